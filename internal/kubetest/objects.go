package kubetest

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
)

// CreateObjects creates objs (a scenario's or the demo's, as
// demo.SplitYAML decodes them) in namespace, and deletes the
// cluster-scoped ones among them (a Node, a StorageClass) when the test
// ends: the namespace's deletion does not take those, and no test after
// this one may see them.
func (p *Plane) CreateObjects(t testing.TB, namespace string, objs []map[string]any) {
	t.Helper()
	cfg := p.Config()
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	for _, o := range objs {
		u := &unstructured.Unstructured{Object: o}
		gvk := u.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatalf("%s %s: %v", gvk.Kind, u.GetName(), err)
		}
		if m.Scope.Name() != meta.RESTScopeNameRoot {
			continue
		}
		name := u.GetName()
		t.Cleanup(func() {
			err := dyn.Resource(m.Resource).Delete(context.Background(), name, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("delete %s %s: %v", gvk.Kind, name, err)
			}
		})
	}
	if err := demo.Create(context.Background(), cfg, namespace, objs); err != nil {
		t.Fatal(err)
	}
}
