package analyze

import (
	"context"
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/kube/analyze/analyzetest"
)

// An analyzer that panics on what it reads (here: the list of Services
// panics, quoting a secret) fails alone: the sweep returns the other
// analyzers' findings and an error naming it, with the secret masked, and
// the process goes on.
func TestAPanickingAnalyzerFailsAlone(t *testing.T) {
	want := dedicated(t, Scope{})
	src := analyzetest.NewSource(sharedCluster())
	src.Gate = func(_ context.Context, what, _ string) error {
		if what == "services" {
			panic("hostile object: password=hunter2")
		}
		return nil
	}
	fs, err := Run(t.Context(), src, Scope{})
	if err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("err = %v, want the panicking analyzers' internal error", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the panic's secret is in the error: %v", err)
	}
	pods := 0
	for _, f := range want {
		if strings.HasPrefix(f.Object.Kind, "Pod") {
			pods++
			found := false
			for _, g := range fs {
				found = found || (g.Object == f.Object && g.Reason == f.Reason)
			}
			if !found {
				t.Errorf("finding %s %s lost when another analyzer panicked", f.Object, f.Reason)
			}
		}
	}
	if pods == 0 {
		t.Fatal("the test cluster has no pod finding to keep")
	}
}
