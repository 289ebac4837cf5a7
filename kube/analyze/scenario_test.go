package analyze

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
	"github.com/kubertnetes/kubertnetes/kube"
)

// TestScenarioLibrary loads every scenario of k3d-cluster/demo/scenarios into
// its own namespace and checks the analyzers report what its expect file
// says — the object and the reason — and nothing Critical besides.
func TestScenarioLibrary(t *testing.T) {
	scenarios, err := demo.Scenarios()
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
			objs, err := demo.SplitYAML(sc.Manifests)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			plane.CreateObjects(t, ns, objs)
			var last []kube.Finding
			kubetest.Eventually(t, 90*time.Second, "the expected findings of "+sc.Name, func() (bool, error) {
				fs, err := Run(ctx, r, Scope{Namespace: ns})
				last = fs
				return len(missing(sc.Expect, fs)) == 0, err
			})
			for _, f := range last {
				if f.Severity == kube.Critical && !expected(sc.Expect, f) {
					t.Errorf("unexpected critical finding %s %s: %s", f.Object, f.Reason, f.Message)
				}
			}
		})
	}
}

func expected(exp []demo.Expectation, f kube.Finding) bool {
	for _, e := range exp {
		if e.Matches(f.Object.Kind, f.Object.Name, f.Reason, f.Severity.String()) {
			return true
		}
	}
	return false
}

// missing lists the expectations no finding meets.
func missing(exp []demo.Expectation, fs []kube.Finding) []string {
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
