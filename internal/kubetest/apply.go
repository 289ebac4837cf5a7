package kubetest

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubertnetes/kubertnetes/internal/manifest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
)

// Apply creates every object of a multi-document YAML (or JSON) manifest.
// Namespaced objects go into namespace (an object naming another namespace
// fails the test); cluster-scoped ones are deleted when the test ends.
// Objects are created in order, so a CustomResourceDefinition may precede
// its resources. Any error, an object that already exists included, fails
// the test.
func (p *Plane) Apply(t testing.TB, namespace string, manifests []byte) {
	t.Helper()
	objs, err := manifest.Decode(manifests)
	if err != nil {
		t.Fatalf("kubetest: apply: %v", err)
	}
	p.create(t, namespace, objs, manifest.Options{KindWait: 10 * time.Second})
}

// CreateObjects creates objs (a scenario's or the demo's, as
// demo.SplitYAML decodes them) in namespace, leaving any that already
// exist as they are, and deletes the cluster-scoped ones among them (a
// Node, a StorageClass) when the test ends: the namespace's deletion does
// not take those, and no test after this one may see them.
func (p *Plane) CreateObjects(t testing.TB, namespace string, objs []map[string]any) {
	t.Helper()
	us := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		us[i] = &unstructured.Unstructured{Object: o}
	}
	p.create(t, namespace, us, manifest.Options{FieldManager: demo.FieldManager, IgnoreExisting: true})
}

// create creates objs in namespace and deletes the cluster-scoped ones
// when the test ends; an error fails the test.
func (p *Plane) create(t testing.TB, namespace string, objs []*unstructured.Unstructured, opts manifest.Options) {
	t.Helper()
	a, err := manifest.NewApplier(p.started(t).RESTConfig(), opts)
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	created, err := a.Create(t.Context(), namespace, objs)
	for _, o := range created {
		if o.GetNamespace() != "" {
			continue // deleted with the namespace
		}
		t.Cleanup(func() {
			// t.Context() is already done here.
			ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
			defer cancel()
			if err := a.Delete(ctx, o); err != nil {
				t.Errorf("kubetest: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
}
