package fixflow

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// configFix proposes faulty-app's ConfigMap fix: a patch that only takes
// effect once the Deployment reading it restarts.
func configFix(t *testing.T, f *flow) agent.Proposal {
	t.Helper()
	steps, err := f.fixer.Plan(t.Context(), kube.Fix{Target: kube.Target{Kind: "configmap", Namespace: "shop", Name: "faulty-config"},
		Operation: kube.OpMergePatch, Patch: json.RawMessage(`{"data":{"BACKEND_URL":"http://backend-service"}}`), Rationale: "backend-svc does not exist"})
	if err != nil {
		t.Fatal(err)
	}
	p := agent.NewProposal(steps)
	if err := f.wf.Propose(t.Context(), Place{Conversation: "conv-1", Channel: "C1", Thread: "1.1", Requester: "UREQUESTER"}, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func kinds(ps []kube.Preview) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Kind+"/"+string(p.Fix.Operation))
	}
	return out
}

func TestStepsAreApprovedOnceAppliedInOrderAndVerifiedOnTheWorkload(t *testing.T) {
	f := newFlow(t, Rules{})
	p := configFix(t, f)
	if len(p.Then) != 1 {
		t.Fatalf("the ConfigMap fix has %d follow-up steps, want the restart of its reader", len(p.Then))
	}
	f.wf.Decide(t.Context(), Decision{Proposal: p.ID, User: "UAPPROVER", Approve: true})
	if diff := cmp.Diff([]string{"ConfigMap/merge-patch", "Deployment/rollout-restart"}, kinds(f.fixer.applied)); diff != "" {
		t.Errorf("applied (-want +got):\n%s", diff)
	}
	last := f.pres.reports[len(f.pres.reports)-1]
	if last.Stage != Verified || len(last.Applied) != 2 {
		t.Fatalf("last report = %+v, want verified with both steps applied", last)
	}
	if s := last.Verification.Summary(); !strings.Contains(s, "rollout complete") {
		t.Errorf("verification %q does not come from the restarted workload", s)
	}
	if n := f.pres.allNotes(); !strings.Contains(n, "configmap/faulty-config in namespace shop, then deployment/web in namespace shop and VERIFIED") {
		t.Errorf("the model was told %q", n)
	}
	var applied int
	for _, r := range f.audit.records {
		if r.Reason == fixer.FixApplied {
			applied++
		}
	}
	if applied != 2 {
		t.Errorf("%d FixApplied records, want one per changed object", applied)
	}
}

func TestAFailedLaterStepOffersTheRollbackOfTheEarlierOnes(t *testing.T) {
	f := newFlow(t, Rules{})
	f.fixer.failStep = 2
	p := configFix(t, f)
	f.wf.Decide(t.Context(), Decision{Proposal: p.ID, User: "UAPPROVER", Approve: true})
	rep := f.pres.reports[len(f.pres.reports)-1]
	if rep.Stage != Failed || len(rep.Applied) != 1 || !strings.Contains(rep.Err, "step 2 of 2") || !strings.Contains(rep.Err, "stay applied: configmap/faulty-config") {
		t.Fatalf("report = %+v", rep)
	}
	if f.state(t, p.ID) != store.Failed {
		t.Errorf("state %s, want failed", f.state(t, p.ID))
	}
	rb := f.pres.offered[len(f.pres.offered)-1]
	if rb.Origin != RollbackOf || rb.Fix().Undoes == "" || !strings.Contains(string(rb.Fix().Patch), "http://backend-svc") {
		t.Fatalf("offered %+v, want the rollback restoring the ConfigMap", rb)
	}
}

func TestANotVerifiedPlanIsRolledBackTogether(t *testing.T) {
	f := newFlow(t, Rules{})
	f.fixer.verified = false
	p := configFix(t, f)
	f.wf.Decide(t.Context(), Decision{Proposal: p.ID, User: "UAPPROVER", Approve: true})
	rb := f.pres.offered[len(f.pres.offered)-1]
	if rb.Origin != RollbackOf {
		t.Fatalf("no rollback offered: %+v", f.pres.reports)
	}
	// The inverse of the ConfigMap patch, then the restart again, so the
	// workload reads the restored value.
	if diff := cmp.Diff([]string{"ConfigMap/strategic-merge-patch", "Deployment/rollout-restart"}, kinds(rb.Change.Steps())); diff != "" {
		t.Errorf("rollback steps (-want +got):\n%s", diff)
	}
}
