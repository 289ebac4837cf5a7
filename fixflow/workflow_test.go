package fixflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

func TestApprovedFixIsAppliedVerifiedAuditedAndNoted(t *testing.T) {
	f := newFlow(t, Rules{})
	if len(f.pres.offered) != 1 || f.pres.offered[0].ID != "fix-1" || f.state(t, "fix-1") != store.Pending {
		t.Fatalf("the proposal was not recorded pending and offered: %+v", f.pres.offered)
	}
	f.decide(t, "UAPPROVER", true)
	if diff := cmp.Diff([]Stage{Applying, Applied, Verified}, f.pres.stages()); diff != "" {
		t.Errorf("reports (-want +got):\n%s", diff)
	}
	if f.fixer.applies() != 1 || f.state(t, "fix-1") != store.Applied {
		t.Errorf("applied %d times, state %s; want once, applied", f.fixer.applies(), f.state(t, "fix-1"))
	}
	want := []fixer.AuditReason{fixer.FixProposed, fixer.FixApproved, fixer.FixApplied, fixer.FixVerified}
	if diff := cmp.Diff(want, f.audit.reasons()); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	if n := f.pres.allNotes(); !strings.Contains(n, "<@UAPPROVER> approved proposal fix-1; it was APPLIED to deployment/web in namespace shop and VERIFIED: rollout complete") {
		t.Errorf("the model was told %q", n)
	}
	if last := f.audit.records[len(f.audit.records)-1]; last.RequestedBy != "UREQUESTER" || last.DecidedBy != "UAPPROVER" || last.UID != "uid-1" {
		t.Errorf("audit record names requester %q, decider %q, uid %q", last.RequestedBy, last.DecidedBy, last.UID)
	}
}

func TestWhoMayDecide(t *testing.T) {
	tests := []struct {
		name    string
		rules   Rules
		user    string
		approve bool
		refusal string // "" means the decision is taken
	}{
		{"approver approves", Rules{}, "UAPPROVER", true, ""},
		{"approver rejects", Rules{}, "UAPPROVER", false, ""},
		{"outsider approves", Rules{}, "UOUTSIDER", true, "not allowed to approve"},
		{"outsider rejects", Rules{}, "UOUTSIDER", false, "not allowed to approve"},
		{"unreadable group fails closed", Rules{Approvers: users{err: errBoom}}, "UAPPROVER", true, "could not check"},
		{"requester approving when forbidden", Rules{RequesterCannotApprove: true}, "UREQUESTER", true, "someone else must approve"},
		{"requester rejecting when forbidden", Rules{RequesterCannotApprove: true}, "UREQUESTER", false, ""},
		{"requester approving by default", Rules{}, "UREQUESTER", true, ""},
		{"approver without an identity", Rules{Identities: map[string]fixer.Identity{"UREQUESTER": {User: "req"}}}, "UAPPROVER", true, "KUBERTNETES_IMPERSONATE does not map your id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t, tt.rules)
			f.decide(t, tt.user, tt.approve)
			got := f.pres.refused(tt.user)
			if tt.refusal != "" {
				if !strings.Contains(got, tt.refusal) {
					t.Errorf("refusal = %q, want it to say %q", got, tt.refusal)
				}
				if f.fixer.applies() != 0 || f.state(t, "fix-1") != store.Pending || len(f.pres.reports) != 0 {
					t.Errorf("a refused decision changed something: %d applies, state %s, reports %v", f.fixer.applies(), f.state(t, "fix-1"), f.pres.stages())
				}
				return
			}
			if got != "" {
				t.Fatalf("refused: %s", got)
			}
			want := map[bool]store.State{true: store.Applied, false: store.Rejected}[tt.approve]
			if s := f.state(t, "fix-1"); s != want {
				t.Errorf("state = %s, want %s", s, want)
			}
		})
	}
}

func TestFixIsAppliedAsTheApproversIdentity(t *testing.T) {
	alice := fixer.Identity{User: "alice@example.com", Groups: []string{"sre"}}
	f := newFlow(t, Rules{Identities: map[string]fixer.Identity{"UAPPROVER": alice}})
	f.decide(t, "UAPPROVER", true)
	if len(f.fixer.as) != 1 || !cmp.Equal(f.fixer.as[0], alice) {
		t.Errorf("applied as %v, want %v", f.fixer.as, alice)
	}
}

func TestRejectionChangesNothingAndTellsTheModelNotToInsist(t *testing.T) {
	f := newFlow(t, Rules{})
	f.decide(t, "UAPPROVER", false)
	f.decide(t, "UAPPROVER", true)
	if f.fixer.applies() != 0 {
		t.Errorf("a rejected proposal was applied")
	}
	if !strings.Contains(f.pres.refused("UAPPROVER"), "already rejected (by <@UAPPROVER>)") {
		t.Errorf("a later approval was told %q", f.pres.refused("UAPPROVER"))
	}
	if n := f.pres.allNotes(); !strings.Contains(n, "REJECTED proposal fix-1") || !strings.Contains(n, "Do not propose the same change again") {
		t.Errorf("the model was told %q", n)
	}
	if diff := cmp.Diff([]fixer.AuditReason{fixer.FixProposed, fixer.FixRejected}, f.audit.reasons()); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
}

func TestExpiredProposalIsNotApplied(t *testing.T) {
	f := newFlow(t, Rules{TTL: 30 * time.Minute})
	f.clock.advance(31 * time.Minute)
	f.decide(t, "UAPPROVER", true)
	if f.fixer.applies() != 0 || f.state(t, "fix-1") != store.Failed {
		t.Errorf("expired proposal: %d applies, state %s", f.fixer.applies(), f.state(t, "fix-1"))
	}
	if got := f.pres.refused("UAPPROVER"); !strings.Contains(got, "has expired") {
		t.Errorf("the approver was told %q", got)
	}
	if diff := cmp.Diff([]Stage{Expired}, f.pres.stages()); diff != "" {
		t.Errorf("reports (-want +got):\n%s", diff)
	}
}

func TestProposalWithinItsTTLIsApplied(t *testing.T) {
	f := newFlow(t, Rules{TTL: 30 * time.Minute})
	f.clock.advance(29 * time.Minute)
	f.decide(t, "UAPPROVER", true)
	if f.fixer.applies() != 1 {
		t.Errorf("a proposal within its TTL was not applied: %v", f.pres.refusals)
	}
}

func TestConcurrentApprovalsApplyOnce(t *testing.T) {
	f := newFlow(t, Rules{})
	var wg sync.WaitGroup
	for _, u := range []string{"UAPPROVER", "UREQUESTER", "UAPPROVER"} {
		wg.Go(func() { f.wf.Decide(context.Background(), Decision{Proposal: "fix-1", User: u, Approve: true}) })
	}
	wg.Wait()
	if n := f.fixer.applies(); n != 1 {
		t.Errorf("applied %d times for three concurrent approvals, want 1", n)
	}
	refused := strings.Count(f.pres.refused("UAPPROVER")+" | "+f.pres.refused("UREQUESTER"), "already")
	if refused != 2 {
		t.Errorf("%d approvers were told it was already decided, want 2: %v", refused, f.pres.refusals)
	}
}

func TestConflictOffersAFreshPreview(t *testing.T) {
	f := newFlow(t, Rules{})
	f.fixer.applyErr = fixer.ErrConflict
	f.decide(t, "UAPPROVER", true)
	if diff := cmp.Diff([]Stage{Applying, Failed}, f.pres.stages()); diff != "" {
		t.Fatalf("reports (-want +got):\n%s", diff)
	}
	rep := f.pres.reports[1]
	if !rep.Conflict || rep.Next == nil || rep.NextErr != "" {
		t.Fatalf("failed report = %+v, want a conflict with a fresh preview", rep)
	}
	if len(f.pres.offered) != 2 || f.pres.offered[1].Origin != Fresh || f.pres.offered[1].Of != "fix-1" || f.pres.offered[1].ID != rep.Next.ID {
		t.Fatalf("offers = %+v, want the fresh preview offered after fix-1", f.pres.offered)
	}
	if f.state(t, "fix-1") != store.Failed || f.state(t, rep.Next.ID) != store.Pending {
		t.Errorf("states: fix-1 %s, fresh %s", f.state(t, "fix-1"), f.state(t, rep.Next.ID))
	}
	if n := f.pres.allNotes(); !strings.Contains(n, "FAILED and nothing was changed") || !strings.Contains(n, "previewed again as "+rep.Next.ID) {
		t.Errorf("the model was told %q", n)
	}
}

func TestFailedApplyIsReportedWithoutAFollowUp(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     string // what the approver and the model are told
		withheld string // what they must not see
	}{
		{"RBAC refusal names the identity", fmt.Errorf("apply deployment/web in shop as alice: %w, nothing was applied", fixer.ErrForbidden), "as alice: the cluster's RBAC refused it", ""},
		{"policy refusal says why", fmt.Errorf("%w: Secrets may not be changed", fixer.ErrRefused), "Secrets may not be changed", ""},
		{"anything else gets a reference", errors.New("Patch https://10.0.0.1:6443/apis/apps/v1: dial tcp: token=s3cr3t"), "(ref ", "s3cr3t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t, Rules{})
			f.fixer.applyErr = tt.err
			f.decide(t, "UAPPROVER", true)
			rep := f.pres.reports[len(f.pres.reports)-1]
			if rep.Stage != Failed || rep.Conflict || rep.Next != nil || !strings.Contains(rep.Err, tt.want) {
				t.Errorf("report = %+v, want a failure saying %q", rep, tt.want)
			}
			if n := f.pres.allNotes(); !strings.Contains(n, tt.want) || (tt.withheld != "" && strings.Contains(n+rep.Err, tt.withheld)) {
				t.Errorf("the model was told %q", n)
			}
			if len(f.pres.offered) != 1 {
				t.Errorf("a failed apply offered %d proposals, want none more", len(f.pres.offered)-1)
			}
		})
	}
}

func TestNotVerifiedOffersTheRollbackAndItsRollbackIsRefused(t *testing.T) {
	f := newFlow(t, Rules{})
	f.fixer.verified = false
	f.decide(t, "UAPPROVER", true)
	if diff := cmp.Diff([]Stage{Applying, Applied, NotVerified}, f.pres.stages()); diff != "" {
		t.Fatalf("reports (-want +got):\n%s", diff)
	}
	rep := f.pres.reports[2]
	if rep.Next == nil || rep.Verification == nil || !strings.Contains(rep.Verification.Summary(), "CrashLoopBackOff") {
		t.Fatalf("not-verified report = %+v", rep)
	}
	rb := f.pres.offered[len(f.pres.offered)-1]
	if rb.Origin != RollbackOf || rb.Of != "fix-1" || rb.Fix().Undoes == "" || !strings.Contains(string(rb.Fix().Patch), "eighty") {
		t.Fatalf("rollback offered = %+v, want the inverse of fix-1 restoring eighty", rb)
	}
	if n := f.pres.allNotes(); !strings.Contains(n, "NOT VERIFIED") || !strings.Contains(n, "Rollback proposal "+rb.ID+" was offered") {
		t.Errorf("the model was told %q", n)
	}
	// The rollback does not verify either: there is no rollback of a rollback.
	f.wf.Decide(t.Context(), Decision{Proposal: rb.ID, User: "UAPPROVER", Approve: true})
	last := f.pres.reports[len(f.pres.reports)-1]
	if last.Stage != NotVerified || last.Next != nil || !strings.Contains(last.NextErr, "itself a rollback") {
		t.Errorf("the rollback's report = %+v, want no further rollback", last)
	}
}

func TestStoppedVerificationTellsTheModel(t *testing.T) {
	stop := make(chan struct{})
	f := newFlow(t, Rules{}, func(d *Deps) {
		d.Watch = func(ctx context.Context) (context.Context, context.CancelFunc) {
			wctx, cancel := context.WithCancel(ctx)
			go func() {
				select {
				case <-stop:
					cancel()
				case <-wctx.Done():
				}
			}()
			return wctx, cancel
		}
	})
	f.fixer.verifyBlocks = true
	close(stop) // Ctrl-C while watching
	f.decide(t, "UAPPROVER", true)
	if diff := cmp.Diff([]Stage{Applying, Applied, Unverified}, f.pres.stages()); diff != "" {
		t.Errorf("reports (-want +got):\n%s", diff)
	}
	if n := f.pres.allNotes(); !strings.Contains(n, "verification was stopped before a result") {
		t.Errorf("the model was told %q", n)
	}
	if f.state(t, "fix-1") != store.Applied {
		t.Errorf("state = %s, want applied (the fix stays)", f.state(t, "fix-1"))
	}
}

func TestWithoutAFixerNothingIsApplied(t *testing.T) {
	f := newFlow(t, Rules{}, func(d *Deps) { d.Fixer = nil })
	f.decide(t, "UAPPROVER", true)
	rep := f.pres.reports[len(f.pres.reports)-1]
	if rep.Stage != Failed || !strings.Contains(rep.Err, "no fixer") || f.state(t, "fix-1") != store.Failed {
		t.Errorf("report %+v, state %s", rep, f.state(t, "fix-1"))
	}
}

func TestUnknownAndDamagedProposalsAreRefused(t *testing.T) {
	f := newFlow(t, Rules{})
	f.wf.Decide(t.Context(), Decision{Proposal: "fix-nope", User: "UAPPROVER", Approve: true})
	if got := f.pres.refused("UAPPROVER"); !strings.Contains(got, "no record of proposal fix-nope") {
		t.Errorf("unknown proposal: %q", got)
	}
	if err := f.store.SaveProposal(t.Context(), store.Proposal{ID: "fix-bad", Preview: []byte("{not json"), State: store.Pending, CreatedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	f.wf.Decide(t.Context(), Decision{Proposal: "fix-bad", User: "UAPPROVER", Approve: true})
	if got := f.pres.refused("UAPPROVER"); !strings.Contains(got, "record is damaged") {
		t.Errorf("damaged proposal: %q", got)
	}
	if f.fixer.applies() != 0 {
		t.Errorf("applied %d times", f.fixer.applies())
	}
}

// failingStore refuses to record state changes, as a full disk would.
type failingStore struct{ *store.Memory }

func (failingStore) Transition(context.Context, string, store.State, store.State, string) (bool, error) {
	return false, errBoom
}

func TestAStateThatCannotBeRecordedIsNeverApplied(t *testing.T) {
	f := newFlow(t, Rules{})
	wf, err := New(Deps{Fixer: f.fixer, Store: failingStore{f.store}, Presenter: f.pres}, Rules{Approvers: Anyone{}})
	if err != nil {
		t.Fatal(err)
	}
	wf.Decide(t.Context(), Decision{Proposal: "fix-1", User: "UAPPROVER", Approve: true})
	if f.fixer.applies() != 0 {
		t.Errorf("applied although the decision could not be recorded")
	}
	if got := f.pres.refused("UAPPROVER"); got == "" {
		t.Errorf("the approver was not told")
	}
}

func TestTerminalStyleOffersDecideInline(t *testing.T) {
	// The terminal asks y/N inside Offer: a rollback offered during a
	// decision is decided there and then.
	f := newFlow(t, Rules{Approvers: Anyone{}})
	f.fixer.verified = false
	f.pres.onOffer = func(r Record) {
		if r.Origin == RollbackOf {
			f.wf.Decide(context.Background(), Decision{Proposal: r.ID, User: "terminal:alice", Approve: true})
		}
	}
	f.decide(t, "terminal:alice", true)
	if n := f.fixer.applies(); n != 2 {
		t.Fatalf("applied %d changes, want the fix and its rollback", n)
	}
	if got := f.fixer.applied[1].Fix.Undoes; got == "" {
		t.Errorf("the second change is not the rollback")
	}
	if !slices.Contains(f.pres.stages(), NotVerified) {
		t.Errorf("stages %v", f.pres.stages())
	}
}
