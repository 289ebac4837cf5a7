package demo

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/kubertnetes/kubertnetes/internal/manifest"
)

// LogSetter makes every pod's container of a name, in a namespace, serve
// the given log lines; *localcluster.Cluster satisfies it.
type LogSetter interface {
	SetContainerLogs(ctx context.Context, namespace, container string, current, previous []string) error
}

// Load creates the demo app in namespace on a simulated control plane.
// Objects that already exist are left as they are.
func Load(ctx context.Context, cfg *rest.Config, logs LogSetter, namespace string) error {
	sim, err := Simulate(manifests)
	if err != nil {
		return fmt.Errorf("demo manifests: %w", err)
	}
	for _, l := range sim.Logs {
		if err := logs.SetContainerLogs(ctx, namespace, l.Container, l.Current, l.Previous); err != nil {
			return fmt.Errorf("simulated logs of %s: %w", l.Container, err)
		}
	}
	a, err := manifest.NewApplier(cfg, manifest.Options{FieldManager: FieldManager, IgnoreExisting: true})
	if err != nil {
		return err
	}
	objs := make([]*unstructured.Unstructured, len(sim.Objects))
	for i, o := range sim.Objects {
		objs[i] = &unstructured.Unstructured{Object: o}
	}
	_, err = a.Create(ctx, namespace, objs)
	return err
}

// FieldManager is the manager of the demo's and the scenarios' objects.
const FieldManager = "kubertnetes-demo"
