package fixflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// A shutdown (the decision's context cancelled) while the request is on
// its way does not stop the apply, nor say "nothing was changed".
func TestShutdownMidApplyDoesNotCancelTheApply(t *testing.T) {
	f := newFlow(t, Rules{})
	ctx, sigterm := context.WithCancel(t.Context())
	f.fixer.onApply = sigterm
	f.fixer.verifyBlocks = true // verification watches until the shutdown
	f.wf.Decide(ctx, Decision{Proposal: "fix-1", User: "UAPPROVER", Approve: true})
	if f.fixer.applies() != 1 || f.state(t, "fix-1") != store.Applied {
		t.Fatalf("applied %d times, state %s; want applied once", f.fixer.applies(), f.state(t, "fix-1"))
	}
	if diff := cmp.Diff([]Stage{Applying, Applied, Unverified}, f.pres.stages()); diff != "" {
		t.Errorf("reports (-want +got):\n%s", diff)
	}
	if n := f.pres.allNotes(); strings.Contains(n, "FAILED") || !strings.Contains(n, "APPLIED") {
		t.Errorf("the model was told %q", n)
	}
}

// An apply whose answer was lost says so, checks the object, and records
// and reports what it found; without a checker's answer it stays unknown.
func TestLostAnswerIsCheckedAndToldHonestly(t *testing.T) {
	tests := []struct {
		name    string
		outcome fixer.Outcome // 0: the check fails
		state   store.State
		found   string
	}{
		{"it landed", fixer.OutcomeApplied, store.Applied, "it was APPLIED: the change is in deployment/web"},
		{"it did not", fixer.OutcomeNotApplied, store.Failed, "it was NOT applied: deployment/web in namespace shop is as it was previewed, so nothing was changed"},
		{"cannot tell", fixer.OutcomeUnknown, store.Unknown, "is UNKNOWN"},
		{"cannot read", 0, store.Unknown, "is UNKNOWN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t, Rules{})
			f.fixer.applyErr = fmt.Errorf("apply deployment/web: %w: %w", fixer.ErrOutcomeUnknown, context.DeadlineExceeded)
			f.fixer.outcome = tt.outcome
			f.decide(t, "UAPPROVER", true)
			if diff := cmp.Diff([]Stage{Applying, Interrupted, Interrupted}, f.pres.stages()); diff != "" {
				t.Fatalf("reports (-want +got):\n%s", diff)
			}
			if got := f.pres.reports[1].Err; !strings.Contains(got, "the result is unknown; kubertnetes will check deployment/web") {
				t.Errorf("first told %q", got)
			}
			if got := f.pres.reports[2].Err; !strings.Contains(got, tt.found) {
				t.Errorf("then told %q, want %q", got, tt.found)
			}
			if s := f.state(t, "fix-1"); s != tt.state {
				t.Errorf("state = %s, want %s", s, tt.state)
			}
			if n := f.pres.allNotes(); !strings.Contains(n, "was interrupted") || !strings.Contains(n, tt.found) || strings.Contains(n, "nothing was changed:") {
				t.Errorf("the model was told %q", n)
			}
		})
	}
}

// A panic while applying may come after the request was sent: it is an
// interrupted apply, checked, never a crash.
func TestPanickingApplyIsChecked(t *testing.T) {
	f := newFlow(t, Rules{})
	f.fixer.applyPanics = true
	f.fixer.outcome = fixer.OutcomeNotApplied
	f.decide(t, "UAPPROVER", true)
	if s := f.state(t, "fix-1"); s != store.Failed || f.fixer.checked != 1 {
		t.Errorf("state %s after %d checks, want failed after one", s, f.fixer.checked)
	}
}

// A panic while watching an applied fix is reported in its thread, and
// the fix stays applied.
func TestPanickingVerificationIsReported(t *testing.T) {
	f := newFlow(t, Rules{})
	f.fixer.verifyPanics = true
	f.decide(t, "UAPPROVER", true)
	if diff := cmp.Diff([]Stage{Applying, Applied, Unverified}, f.pres.stages()); diff != "" {
		t.Fatalf("reports (-want +got):\n%s", diff)
	}
	if got := f.pres.reports[2].Err; !strings.Contains(got, "failed unexpectedly") || strings.Contains(got, "index out of range") {
		t.Errorf("told %q", got)
	}
	if n := f.pres.allNotes(); !strings.Contains(n, "verification failed unexpectedly") {
		t.Errorf("the model was told %q", n)
	}
	if f.state(t, "fix-1") != store.Applied {
		t.Errorf("state = %s, want applied", f.state(t, "fix-1"))
	}
}

// At start, a proposal a crash left applying is checked and its thread
// and model told; other proposals are left alone.
func TestReconcileSettlesApplyingRecordsAtStart(t *testing.T) {
	f := newFlow(t, Rules{})
	if ok, err := f.store.Transition(t.Context(), "fix-1", store.Pending, store.Applying, "UAPPROVER"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	other := agent.Proposal{ID: "fix-2", Preview: f.prop.Preview}
	if err := f.wf.Propose(t.Context(), Place{Conversation: "conv-2"}, other); err != nil {
		t.Fatal(err)
	}
	f.fixer.outcome = fixer.OutcomeApplied
	n, err := f.wf.Reconcile(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("settled %d (%v), want 1", n, err)
	}
	if f.state(t, "fix-1") != store.Applied || f.state(t, "fix-2") != store.Pending {
		t.Errorf("states: fix-1 %s, fix-2 %s", f.state(t, "fix-1"), f.state(t, "fix-2"))
	}
	last := f.pres.reports[len(f.pres.reports)-1]
	if last.Stage != Interrupted || last.By != "UAPPROVER" || !strings.Contains(last.Err, "APPLIED") {
		t.Errorf("the thread was told %+v", last)
	}
	if n := f.pres.allNotes(); !strings.Contains(n, "kubertnetes stopped while applying it") {
		t.Errorf("the model was told %q", n)
	}
	if got := f.audit.reasons(); got[len(got)-1] != fixer.FixApplied {
		t.Errorf("audit %v", got)
	}
	if n, _ := f.wf.Reconcile(t.Context()); n != 0 {
		t.Errorf("a second start settled %d again", n)
	}
}

// An admission webhook that echoes the value it refused does not carry it
// to the approver, the model or the audit.
func TestApplyErrorEchoingASecretIsMasked(t *testing.T) {
	f := newFlow(t, Rules{})
	steps, _ := f.fixer.Plan(t.Context(), kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: "shop", Name: "web"}, Operation: kube.OpStrategicMerge,
		Patch: []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"DB_PASSWORD","value":"hunter2"}]}]}}}}`), Rationale: "the password rotated"})
	if err := f.wf.Propose(t.Context(), Place{Conversation: "conv-1"}, agent.Proposal{ID: "fix-pw", Preview: steps[0]}); err != nil {
		t.Fatal(err)
	}
	f.fixer.applyErr = fmt.Errorf("apply deployment/web as alice: %w, nothing was applied: %w", fixer.ErrForbidden, apierrors.NewForbidden(
		schema.GroupResource{Group: "apps", Resource: "deployments"}, "web", errors.New(`admission webhook "pw.example.com" denied the request: value "hunter2" for DB_PASSWORD is too weak`)))
	f.wf.Decide(t.Context(), Decision{Proposal: "fix-pw", User: "UAPPROVER", Approve: true})
	rep := f.pres.reports[len(f.pres.reports)-1]
	var audit []string
	for _, r := range f.audit.records {
		audit = append(audit, r.Result)
	}
	for where, text := range map[string]string{"report": rep.Err, "note": f.pres.allNotes(), "audit": strings.Join(audit, "\n")} {
		if strings.Contains(text, "hunter2") {
			t.Errorf("the %s shows the password: %q", where, text)
		}
	}
	if rep.Stage != Failed || !strings.Contains(rep.Err, "too weak") {
		t.Errorf("the approver was not told why: %+v", rep)
	}
}
