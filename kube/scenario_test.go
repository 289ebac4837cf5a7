package kube

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	k3dcluster "github.com/kubertnetes/kubertnetes/k3d-cluster"
)

// TestScenarioLibrary loads every scenario of k3d-cluster/scenarios into
// its own namespace and checks the analyzers report what its expect file
// says — the object and the reason — and nothing Critical besides.
func TestScenarioLibrary(t *testing.T) {
	scenarios, err := k3dcluster.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	if len(scenarios) == 0 {
		t.Fatal("the scenario library is empty")
	}
	r := newReader(t)
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			ns := plane.Namespace(t)
			objs, err := k3dcluster.SplitYAML(sc.Manifests)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			deleteClusterScoped(t, objs)
			if err := k3dcluster.Create(ctx, plane.Config(), ns, objs); err != nil {
				t.Fatal(err)
			}
			var last []Finding
			kubetest.Eventually(t, 90*time.Second, "the expected findings of "+sc.Name, func() (bool, error) {
				fs, err := Analyze(ctx, r, Scope{Namespace: ns})
				last = fs
				return len(missing(sc.Expect, fs)) == 0, err
			})
			for _, f := range last {
				if f.Severity == Critical && !expected(sc.Expect, f) {
					t.Errorf("unexpected critical finding %s %s: %s", f.Object, f.Reason, f.Message)
				}
			}
		})
	}
}

// deleteClusterScoped deletes, when the test ends, the cluster-scoped
// objects among objs (a Node, a StorageClass): the namespace's deletion
// does not take them, and they must not outlive their scenario.
func deleteClusterScoped(t *testing.T, objs []map[string]any) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(plane.Config())
	if err != nil {
		t.Fatal(err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(plane.Config())
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
}

func expected(exp []k3dcluster.Expectation, f Finding) bool {
	for _, e := range exp {
		if e.Matches(f.Object.Kind, f.Object.Name, f.Reason, f.Severity.String()) {
			return true
		}
	}
	return false
}

// missing lists the expectations no finding meets.
func missing(exp []k3dcluster.Expectation, fs []Finding) []string {
	var out []string
	for _, e := range exp {
		found := false
		for _, f := range fs {
			if e.Matches(f.Object.Kind, f.Object.Name, f.Reason, f.Severity.String()) {
				found = true
			}
		}
		if !found {
			out = append(out, fmt.Sprintf("%s/%s %s", e.Kind, e.Name, e.Reason))
		}
	}
	return out
}
