package kubetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
)

// Apply creates every object of a multi-document YAML (or JSON) manifest.
// Namespaced objects go into namespace (an object naming another namespace
// fails the test); cluster-scoped ones are deleted when the test ends.
// Objects are created in order, so a CustomResourceDefinition may precede
// its resources. Any error fails the test.
func (p *Plane) Apply(t testing.TB, namespace string, manifests []byte) {
	t.Helper()
	cfg := p.Config()
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatalf("kubetest: apply: discovery client: %v", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("kubetest: apply: dynamic client: %v", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	ctx := t.Context()

	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifests), 4096)
	for i := 0; ; i++ {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return
			}
			t.Fatalf("kubetest: apply: decode document %d: %v", i, err)
		}
		if len(obj.Object) == 0 {
			continue // an empty document
		}
		gvk := obj.GroupVersionKind()
		var mapping *meta.RESTMapping
		// A kind defined by a CRD earlier in the manifest needs fresh discovery.
		Eventually(t, 10*time.Second, "the API to serve "+gvk.String(), func() (bool, error) {
			mapping, err = mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if meta.IsNoMatchError(err) {
				mapper.Reset()
			}
			return err == nil, err
		})
		res := dyn.Resource(mapping.Resource)
		if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
			created, err := res.Create(ctx, obj, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("kubetest: apply %s %s: %v", gvk.Kind, obj.GetName(), err)
			}
			name := created.GetName() // the manifest may use generateName
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
				defer cancel()
				err := res.Delete(ctx, name, metav1.DeleteOptions{})
				if err != nil && !apierrors.IsNotFound(err) {
					t.Errorf("kubetest: delete %s %s: %v", gvk.Kind, name, err)
				}
			})
			continue
		}
		switch obj.GetNamespace() {
		case "", namespace:
			obj.SetNamespace(namespace)
		default:
			t.Fatalf("kubetest: apply %s %s: manifest names namespace %q, want %q or none", gvk.Kind, obj.GetName(), obj.GetNamespace(), namespace)
		}
		if _, err := res.Namespace(namespace).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			t.Fatalf("kubetest: apply %s %s/%s: %v", gvk.Kind, namespace, obj.GetName(), err)
		}
	}
}
