package demo

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// LogSetter makes every pod's container of a name, in a namespace, serve
// the given log lines; *localcluster.Cluster satisfies it.
type LogSetter interface {
	SetContainerLogs(ctx context.Context, namespace, container string, current, previous []string) error
}

// Load creates the demo app in namespace on a simulated control plane.
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
	return Create(ctx, cfg, namespace, sim.Objects)
}

// Create creates objects in namespace (namespaced kinds) through the API.
// Objects that already exist are left as they are.
func Create(ctx context.Context, cfg *rest.Config, namespace string, objs []map[string]any) error {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("discovery client: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	for _, o := range objs {
		u := &unstructured.Unstructured{Object: o}
		gvk := u.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("%s %s: %w", gvk.Kind, u.GetName(), err)
		}
		ri := dyn.Resource(m.Resource)
		var res dynamic.ResourceInterface = ri
		if m.Scope.Name() == "namespace" {
			u.SetNamespace(namespace)
			res = ri.Namespace(namespace)
		}
		if _, err := res.Create(ctx, u, metav1.CreateOptions{FieldManager: "kubertnetes-demo"}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create %s %s: %w", gvk.Kind, u.GetName(), err)
		}
	}
	return nil
}
