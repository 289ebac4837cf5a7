package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/discovery"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
)

// TestAnalyzeAllNamesEveryScenario is the scenario library's "done when":
// every scenario loaded into its own namespace of one cluster, and
// `kubertnetes analyze -A -o json` names each expected fault with the right
// namespace, kind, name and reason. Other findings (the plane's own
// namespaces, cluster-scoped objects some scenarios create) may appear too.
func TestAnalyzeAllNamesEveryScenario(t *testing.T) {
	scenarios, err := demo.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	nsOf := map[string]string{}
	for _, sc := range scenarios {
		ns := plane.Namespace(t)
		objs, err := demo.SplitYAML(sc.Manifests)
		if err != nil {
			t.Fatalf("scenario %s: %v", sc.Name, err)
		}
		plane.CreateObjects(t, ns, objs)
		nsOf[sc.Name] = ns
	}
	settings := map[string]string{"KUBECONFIG": plane.Cluster().KubeconfigPath()}
	// The clock starts once the plane is up (built first, on a cold cache).
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rootKinds := clusterScopedKinds(t)

	var (
		found  []findingJSON
		out    string
		runErr error
	)
	start := time.Now()
	kubetest.Eventually(t, 2*time.Minute, "analyze -A to name every scenario's fault", func() (bool, error) {
		var stdout, stderr bytes.Buffer
		runErr = run(ctx, []string{"analyze", "-A", "-o", "json"}, env(settings), stdio{out: &stdout, err: &stderr})
		out = stdout.String()
		found = nil
		if err := json.Unmarshal(stdout.Bytes(), &found); err != nil {
			t.Fatalf("analyze -A -o json printed no JSON array (%v): %v\n%s%s", runErr, err, out, stderr.String())
		}
		if missing := missingScenarioFindings(scenarios, nsOf, rootKinds, found); len(missing) > 0 {
			return false, fmt.Errorf("not reported:\n%s\nreported in the scenarios' namespaces:\n%s",
				strings.Join(missing, "\n"), scenarioFindings(found, nsOf))
		}
		return true, nil
	})
	t.Logf("analyze -A -o json: %d findings, every expectation met after %s", len(found), time.Since(start).Round(time.Second))
	if runErr != nil {
		t.Errorf("analyze -A reported an analyzer error: %v", runErr)
	}
	if strings.Contains(out, "kwok.x-k8s.io") {
		t.Errorf("a simulation marker reached the output")
	}
	for _, f := range found {
		if f.Message == "" || f.Docs == "" || f.Severity == "" {
			t.Errorf("finding %s/%s %s lacks a message, docs or severity", f.Kind, f.Name, f.Reason)
		}
	}
}

// missingScenarioFindings lists the expectations no finding in the
// scenario's namespace (none, for a cluster-scoped kind) meets.
func missingScenarioFindings(scenarios []demo.Scenario, nsOf map[string]string, rootKinds map[string]bool, found []findingJSON) []string {
	var out []string
	for _, sc := range scenarios {
		for _, e := range sc.Expect {
			ns := nsOf[sc.Name]
			if rootKinds[e.Kind] {
				ns = ""
			}
			ok := false
			for _, f := range found {
				if f.Namespace == ns && e.Matches(f.Kind, f.Name, f.Reason, f.Severity) {
					ok = true
					break
				}
			}
			if !ok {
				out = append(out, fmt.Sprintf("scenario %s (namespace %s): %s %s/%s %s", sc.Name, nsOf[sc.Name], e.Severity, e.Kind, e.Name, e.Reason))
			}
		}
	}
	return out
}

// scenarioFindings lists the findings in the scenarios' namespaces, one a
// line, each after its scenario's name.
func scenarioFindings(found []findingJSON, nsOf map[string]string) string {
	scenarioIn := map[string]string{}
	for sc, ns := range nsOf {
		scenarioIn[ns] = sc
	}
	var b strings.Builder
	for _, f := range found {
		if sc, ok := scenarioIn[f.Namespace]; ok {
			fmt.Fprintf(&b, "%s: %s %s/%s %s: %s\n", sc, f.Severity, f.Kind, f.Name, f.Reason, f.Message)
		}
	}
	return b.String()
}

// clusterScopedKinds are the kinds the API server serves without a namespace.
func clusterScopedKinds(t *testing.T) map[string]bool {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(plane.Config())
	if err != nil {
		t.Fatal(err)
	}
	lists, err := dc.ServerPreferredResources()
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	out := map[string]bool{}
	for _, l := range lists {
		for _, r := range l.APIResources {
			if !r.Namespaced {
				out[r.Kind] = true
			}
		}
	}
	return out
}
