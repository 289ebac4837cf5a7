package deploy_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/internal/manifest"
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
	objs, err := manifest.Decode(out)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return objs
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

// client creates arbitrary objects as they are (namespaced ones in the
// namespace they name), with strict field validation, and records the API
// server's warnings (deprecated APIs, Pod Security) so tests can insist
// there are none.
type client struct {
	dry, real *manifest.Applier

	mu       sync.Mutex
	warnings []string
}

func newClient(t *testing.T, cfg *rest.Config) *client {
	t.Helper()
	c := &client{}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = c
	var err error
	if c.dry, err = manifest.NewApplier(cfg, manifest.Options{DryRun: true, StrictFields: true}); err != nil {
		t.Fatal(err)
	}
	if c.real, err = manifest.NewApplier(cfg, manifest.Options{StrictFields: true}); err != nil {
		t.Fatal(err)
	}
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

// dryRun creates o as a server-side dry run: defaulting, strict field
// validation and every admission check run, nothing is stored. It
// returns the server's warnings.
func (c *client) dryRun(t *testing.T, o *unstructured.Unstructured) (warnings []string, err error) {
	t.Helper()
	c.takeWarnings()
	_, err = c.dry.Create(t.Context(), "", []*unstructured.Unstructured{o})
	return c.takeWarnings(), err
}

// create creates o for real and deletes it when the test ends.
func (c *client) create(t *testing.T, o *unstructured.Unstructured) {
	t.Helper()
	created, err := c.real.Create(t.Context(), "", []*unstructured.Unstructured{o})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.real.Delete(ctx, created[0]); err != nil {
			t.Error(err)
		}
	})
}
