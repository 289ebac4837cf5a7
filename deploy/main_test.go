package deploy_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
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
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

// plane is the real control plane shared by this package's tests.
var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }

// render builds a kustomization directory with kustomize's own library,
// the code `kubectl apply -k dir` runs.
func render(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := rm.AsYaml()
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	// Decoded as kubectl does (numbers as int64), not with kustomize's own maps.
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		o := &unstructured.Unstructured{}
		if err := dec.Decode(&o.Object); errors.Is(err, io.EOF) {
			return objs
		} else if err != nil {
			t.Fatalf("kustomize build %s: decode: %v", dir, err)
		}
		if len(o.Object) > 0 {
			objs = append(objs, o)
		}
	}
}

// find returns the one object of kind and name in objs.
func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %q among the manifests", kind, name)
	return nil
}

// client creates arbitrary objects through the dynamic client, and records
// the API server's warnings (deprecated APIs, Pod Security) so tests can
// insist there are none.
type client struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper

	mu       sync.Mutex
	warnings []string
}

func newClient(t *testing.T, cfg *rest.Config) *client {
	t.Helper()
	c := &client{}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = c
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("dynamic client: %v", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatalf("discovery client: %v", err)
	}
	c.dyn = dyn
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	return c
}

// HandleWarningHeader implements rest.WarningHandler.
func (c *client) HandleWarningHeader(code int, agent, text string) {
	if code != 299 || text == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warnings = append(c.warnings, text)
}

// takeWarnings returns the warnings since the last call.
func (c *client) takeWarnings() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.warnings
	c.warnings = nil
	return w
}

func (c *client) resource(t *testing.T, o *unstructured.Unstructured) dynamic.ResourceInterface {
	t.Helper()
	gvk := o.GroupVersionKind()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		t.Fatalf("%s %s: %v", gvk.Kind, o.GetName(), err)
	}
	res := c.dyn.Resource(m.Resource)
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		if o.GetNamespace() != "" {
			t.Fatalf("%s %s is cluster-scoped but names namespace %q", gvk.Kind, o.GetName(), o.GetNamespace())
		}
		return res
	}
	if o.GetNamespace() == "" {
		t.Fatalf("%s %s is namespaced but has no namespace", gvk.Kind, o.GetName())
	}
	return res.Namespace(o.GetNamespace())
}

// dryRun creates o as a server-side dry run: defaulting, strict field
// validation and every admission check run, nothing is stored. It
// returns the server's warnings.
func (c *client) dryRun(t *testing.T, o *unstructured.Unstructured) (warnings []string, err error) {
	t.Helper()
	c.takeWarnings()
	_, err = c.resource(t, o).Create(t.Context(), o.DeepCopy(), metav1.CreateOptions{
		DryRun:          []string{metav1.DryRunAll},
		FieldValidation: metav1.FieldValidationStrict,
	})
	return c.takeWarnings(), err
}

// create creates o for real and deletes it when the test ends.
func (c *client) create(t *testing.T, o *unstructured.Unstructured) {
	t.Helper()
	res := c.resource(t, o)
	if _, err := res.Create(t.Context(), o.DeepCopy(), metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict}); err != nil {
		t.Fatalf("create %s %s: %v", o.GetKind(), o.GetName(), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := res.Delete(ctx, o.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete %s %s: %v", o.GetKind(), o.GetName(), err)
		}
	})
}
