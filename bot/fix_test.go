package bot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
)

// fakeFixer is a fake fixer.Fixer: it records identities and audit reasons, can
// report a conflict once, and verifies as told.
type fakeFixer struct {
	mu       sync.Mutex
	as       []fixer.Identity
	reasons  []fixer.AuditReason
	conflict bool // the next Apply reports ErrConflict
	verified bool
}

func (f *fakeFixer) Apply(_ context.Context, p kube.Preview, as fixer.Identity) (fixer.Applied, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conflict {
		f.conflict = false
		return fixer.Applied{}, fixer.ErrConflict
	}
	f.as = append(f.as, as)
	dep := func(port string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": p.Fix.Target.Name},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "web", "env": []any{map[string]any{"name": "PORT", "value": port}}}}}}}}}
	}
	return fixer.Applied{Preview: p, As: as, ResourceVersion: "43", At: time.Now(), Before: dep("eighty"), After: dep("8080")}, nil
}

func (f *fakeFixer) Verify(context.Context, fixer.Applied, fixer.VerifyOptions) (fixer.Verification, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.verified {
		return fixer.Verification{Verified: true, Seen: []string{"deployment web rolled out"}, Elapsed: time.Second}, nil
	}
	return fixer.Verification{Problems: []string{"pod web-1: container web is in CrashLoopBackOff"}, Elapsed: 2 * time.Second}, nil
}

// Plan previews a rollback as restoring eighty, anything else as a fresh
// preview of the fix against a changed object.
func (f *fakeFixer) Plan(_ context.Context, fix kube.Fix) ([]kube.Preview, error) {
	if fix.Undoes != "" {
		return []kube.Preview{{Fix: fix, Kind: "Deployment", ResourceVersion: "44", PatchHash: "rollback0123456", Diff: "-  value: \"8080\"\n+  value: eighty"}}, nil
	}
	return []kube.Preview{{Fix: fix, Kind: "Deployment", ResourceVersion: "50", PatchHash: "fresh0123456789", Diff: "-  value: eighty\n+  value: \"8080\""}}, nil
}

func (f *fakeFixer) Record(_ context.Context, r fixer.AuditRecord) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reasons = append(f.reasons, r.Reason)
}

func (f *fakeFixer) audited() []fixer.AuditReason {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reasons)
}

// proposedWith starts a bot over f that proposes a fix, and returns the proposal message.
func proposedWith(t *testing.T, cfg Config, f *fakeFixer) (*harness, slacktest.Message) {
	t.Helper()
	h := start(t, setup{cfg: cfg, applier: f})
	h.brain.set(func(b *echoBrain) {
		b.before = func(q string, emit func(agent.Event)) { emit(agent.ProposalEvent{Proposal: proposal("fix-"+q, "web")}) }
	})
	root := h.slack.Mention("C1", requester, "p1")
	return h, h.botMessage(t, "C1", root, "Proposed fix")
}

func TestApplyAsTheApproversIdentity(t *testing.T) {
	f := &fakeFixer{verified: true}
	alice := fixer.Identity{User: "alice@example.com", Groups: []string{"sre"}}
	h, prop := proposedWith(t, Config{Approvers: []string{"UALICE1", "UBOB1"}, Impersonate: map[string]fixer.Identity{"UALICE1": alice}}, f)

	h.slack.ClickButton("C1", prop.TS, "UBOB1", actionApprove)
	h.ephemeral(t, "C1", "UBOB1", "KUBERTNETES_IMPERSONATE does not map your id. Nothing was changed")
	h.slack.ClickButton("C1", prop.TS, "UALICE1", actionApprove)
	h.botMessage(t, "C1", prop.ThreadTS, "Verified after 1s: deployment web rolled out")
	h.slack.WaitForMessage(t, "C1", prop.ThreadTS, func(m slacktest.Message) bool {
		return m.TS == prop.TS && strings.Contains(string(m.BlocksJSON), "as alice@example.com (groups sre) — verified ✅")
	}, 10*time.Second)
	if len(f.as) != 1 || f.as[0].User != "alice@example.com" {
		t.Errorf("applied as %v, want once as alice", f.as)
	}
	want := []fixer.AuditReason{fixer.FixProposed, fixer.FixApproved, fixer.FixApplied, fixer.FixVerified}
	if got := f.audited(); !slices.Equal(got, want) {
		t.Errorf("audited %v, want %v", got, want)
	}
}

func TestConflictOffersAFreshProposal(t *testing.T) {
	f := &fakeFixer{conflict: true, verified: true}
	h, prop := proposedWith(t, Config{Approvers: []string{"UAPPROVE1"}}, f)
	h.slack.ClickButton("C1", prop.TS, "UAPPROVE1", actionApprove)
	h.botMessage(t, "C1", prop.ThreadTS, "Here is a fresh preview of the same fix")
	fresh := h.slack.WaitForMessage(t, "C1", prop.ThreadTS, func(m slacktest.Message) bool {
		return m.TS != prop.TS && strings.Contains(string(m.BlocksJSON), "resourceVersion 50") && strings.Contains(string(m.BlocksJSON), actionApprove)
	}, 10*time.Second)
	h.slack.ClickButton("C1", fresh.TS, "UAPPROVE1", actionApprove)
	h.botMessage(t, "C1", prop.ThreadTS, "Verified after")
	want := []fixer.AuditReason{fixer.FixProposed, fixer.FixApproved, fixer.FixFailed, fixer.FixProposed, fixer.FixApproved, fixer.FixApplied, fixer.FixVerified}
	if got := f.audited(); !slices.Equal(got, want) {
		t.Errorf("audited %v, want %v", got, want)
	}
}

func TestNotVerifiedOffersARollback(t *testing.T) {
	f := &fakeFixer{}
	h, prop := proposedWith(t, Config{Approvers: []string{"UAPPROVE1"}}, f)
	h.slack.ClickButton("C1", prop.TS, "UAPPROVE1", actionApprove)
	h.botMessage(t, "C1", prop.ThreadTS, "Not verified after 2s; still wrong:\n• pod web-1: container web is in CrashLoopBackOff")
	rb := h.botMessage(t, "C1", prop.ThreadTS, "Proposed rollback")
	if !strings.Contains(string(rb.BlocksJSON), actionApprove) || !strings.Contains(string(rb.BlocksJSON), "Roll back the set-env") {
		t.Errorf("rollback proposal without buttons or rationale: %s", rb.BlocksJSON)
	}
	h.slack.WaitForMessage(t, "C1", prop.ThreadTS, func(m slacktest.Message) bool {
		return m.TS == prop.TS && strings.Contains(string(m.BlocksJSON), "— not verified: pod web-1")
	}, 10*time.Second)
	want := []fixer.AuditReason{fixer.FixProposed, fixer.FixApproved, fixer.FixApplied, fixer.FixNotVerified, fixer.FixProposed}
	if got := f.audited(); !slices.Equal(got, want) {
		t.Errorf("audited %v, want %v", got, want)
	}
}
