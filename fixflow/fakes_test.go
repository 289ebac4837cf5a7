package fixflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// fakeFixer applies by recording; its verification outcome is set by the test.
type fakeFixer struct {
	mu       sync.Mutex
	applied  []kube.Preview
	as       []fixer.Identity
	applyErr error
	// failStep, when > 0, makes the apply of that step (1-based) fail.
	failStep int
	verified bool
	// verifyBlocks makes Verify wait for its context (a person watching
	// until they press Ctrl-C).
	verifyBlocks bool
	previews     int
	// onApply runs as each apply's request is sent (a SIGTERM arriving);
	// the apply then fails if its context has ended, as a real request does.
	onApply func()
	// applyPanics and verifyPanics make those calls panic.
	applyPanics, verifyPanics bool
	// outcome is what checking an apply whose answer was lost finds.
	outcome fixer.Outcome
	checked int
}

var _ Checker = (*fakeFixer)(nil)

func (f *fakeFixer) Outcome(context.Context, kube.Preview) (fixer.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checked++
	if f.outcome == 0 {
		return fixer.OutcomeUnknown, errBoom
	}
	return f.outcome, nil
}

// Plan previews the fix; a ConfigMap's is followed by the restart of the
// Deployment that reads it, as the real fixer plans it.
func (f *fakeFixer) Plan(_ context.Context, fix kube.Fix) ([]kube.Preview, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.previews++
	if strings.EqualFold(fix.Target.Kind, "configmap") {
		restart := kube.Fix{Target: kube.Target{Kind: "Deployment", Namespace: fix.Target.Namespace, Name: "web"}, Operation: kube.OpRolloutRestart, Rationale: "reads it at start"}
		return []kube.Preview{
			{Fix: fix, Kind: "ConfigMap", Version: "v1", Resource: "configmaps", ResourceVersion: "3", Diff: "-  URL: http://backend-svc\n+  URL: http://backend-service\n", PatchHash: fmt.Sprintf("cm%d", f.previews)},
			{Fix: restart, Kind: "Deployment", Group: "apps", Version: "v1", Resource: "deployments", ResourceVersion: "7", Diff: "+  restartedAt: now\n", PatchHash: fmt.Sprintf("rs%d", f.previews)},
		}, nil
	}
	return []kube.Preview{{Fix: fix, Kind: "Deployment", Group: "apps", Version: "v1", Resource: "deployments",
		ResourceVersion: "7", Diff: "-          value: eighty\n+          value: \"80\"\n", PatchHash: fmt.Sprintf("h%d", f.previews)}}, nil
}

func (f *fakeFixer) Apply(ctx context.Context, p kube.Preview, as fixer.Identity) (fixer.Applied, error) {
	if f.onApply != nil {
		f.onApply()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return fixer.Applied{}, fmt.Errorf("patch %s: %w", p.Fix.Target, err)
	}
	if f.applyPanics {
		var m map[string]any
		m["metadata"] = nil
	}
	if f.applyErr != nil {
		return fixer.Applied{}, f.applyErr
	}
	if f.failStep == len(f.applied)+1 {
		return fixer.Applied{}, fmt.Errorf("apply %s: %w", p.Fix.Target, fixer.ErrForbidden)
	}
	f.applied = append(f.applied, p)
	f.as = append(f.as, as)
	a := fixer.Applied{Preview: p, As: as, UID: "uid-1", ResourceVersion: "8", At: time.Unix(1700000000, 0),
		Before: deployment("eighty"), After: deployment("81")}
	if p.Kind == "ConfigMap" {
		a.Before, a.After = configMap("http://backend-svc"), configMap("http://backend-service")
	}
	return a, nil
}

func (f *fakeFixer) Verify(ctx context.Context, a fixer.Applied, _ fixer.VerifyOptions) (fixer.Verification, error) {
	if a.Preview.Kind == "ConfigMap" {
		return fixer.Verification{Verified: true, Seen: []string{"configmap/x is at the applied version; kubertnetes has no health signal for ConfigMap objects"}}, nil
	}
	f.mu.Lock()
	blocks, ok, panics := f.verifyBlocks, f.verified, f.verifyPanics
	f.mu.Unlock()
	if panics {
		panic("verify: index out of range [3] with length 3")
	}
	if blocks {
		<-ctx.Done()
		return fixer.Verification{}, ctx.Err()
	}
	if ok {
		return fixer.Verification{Verified: true, Seen: []string{"rollout complete", "1/1 pods ready"}, Elapsed: 3 * time.Second}, nil
	}
	return fixer.Verification{Problems: []string{"pod web-1: container web CrashLoopBackOff"}, Elapsed: 6 * time.Second}, nil
}

func (f *fakeFixer) applies() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.applied)
}

func deployment(port string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "shop", "resourceVersion": "7"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "web", "image": "web:1", "env": []any{map[string]any{"name": "PORT", "value": port}}},
		}}}},
	}}
}

func configMap(url string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "faulty-config", "namespace": "shop", "resourceVersion": "3"},
		"data":     map[string]any{"BACKEND_URL": url},
	}}
}

// recorder is a presenter that remembers everything it was asked to show.
type recorder struct {
	mu       sync.Mutex
	offered  []Record
	reports  []Report
	refusals map[string][]string // by user
	notes    []string
	// onOffer, when set, runs for each offer (the terminal decides there).
	onOffer func(r Record)
}

func (p *recorder) Offer(_ context.Context, r Record) error {
	p.mu.Lock()
	p.offered = append(p.offered, r)
	on := p.onOffer
	p.mu.Unlock()
	if on != nil {
		on(r)
	}
	return nil
}

func (p *recorder) Report(_ context.Context, _ Record, rep Report) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reports = append(p.reports, rep)
}

func (p *recorder) Refuse(_ context.Context, d Decision, _ Record, why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refusals == nil {
		p.refusals = map[string][]string{}
	}
	p.refusals[d.User] = append(p.refusals[d.User], why)
}

func (p *recorder) Note(_ context.Context, _ string, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.notes = append(p.notes, text)
}

func (p *recorder) stages() []Stage {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s []Stage
	for _, r := range p.reports {
		s = append(s, r.Stage)
	}
	return s
}

func (p *recorder) refused(user string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.refusals[user], " | ")
}

func (p *recorder) allNotes() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.notes, "\n")
}

// auditLog records audit reasons in order.
type auditLog struct {
	mu      sync.Mutex
	records []fixer.AuditRecord
}

func (a *auditLog) Record(_ context.Context, r fixer.AuditRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.records = append(a.records, r)
}

func (a *auditLog) reasons() []fixer.AuditReason {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []fixer.AuditReason
	for _, r := range a.records {
		out = append(out, r.Reason)
	}
	return out
}

// users is an approvers list; an error simulates a group that cannot be read.
type users struct {
	ok  map[string]bool
	err error
}

func (u users) Allowed(_ context.Context, user string) (bool, error) { return u.ok[user], u.err }

// clock is a settable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// flow is a workflow with fakes, and one proposal offered.
type flow struct {
	wf    *Workflow
	fixer *fakeFixer
	pres  *recorder
	audit *auditLog
	store *store.Memory
	clock *clock
	prop  agent.Proposal
}

func newFlow(t *testing.T, rules Rules, mutate ...func(*Deps)) *flow {
	t.Helper()
	f := &flow{fixer: &fakeFixer{verified: true}, pres: &recorder{}, audit: &auditLog{}, store: store.NewMemory(store.Retention{}),
		clock: &clock{now: time.Now()}}
	if rules.Approvers == nil {
		rules.Approvers = users{ok: map[string]bool{"UAPPROVER": true, "UREQUESTER": true}}
	}
	d := Deps{Fixer: f.fixer, Store: f.store, Presenter: f.pres, Auditor: f.audit, Now: f.clock.Now,
		Name: func(u string) string { return "<@" + u + ">" }}
	for _, m := range mutate {
		m(&d)
	}
	wf, err := New(d, rules)
	if err != nil {
		t.Fatal(err)
	}
	f.wf = wf
	steps, _ := f.fixer.Plan(t.Context(), kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: "shop", Name: "web"},
		Operation: kube.OpSetEnv, Env: map[string]string{"PORT": "80"}, Rationale: "PORT is not a number"})
	f.prop = agent.Proposal{ID: "fix-1", Preview: steps[0]}
	if err := wf.Propose(t.Context(), Place{Conversation: "conv-1", Channel: "C1", Thread: "1.1", Requester: "UREQUESTER"}, f.prop); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *flow) decide(t *testing.T, user string, approve bool) {
	t.Helper()
	f.wf.Decide(t.Context(), Decision{Proposal: f.prop.ID, User: user, Approve: approve})
}

func (f *flow) state(t *testing.T, id string) store.State {
	t.Helper()
	p, err := f.store.Proposal(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.State
}

var errBoom = errors.New("boom")
