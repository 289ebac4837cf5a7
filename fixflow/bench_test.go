package fixflow

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/store"
)

// BenchmarkProposeAndApprove is the workflow's own cost for one proposal
// of two steps (a ConfigMap patch and the restart it needs), offered,
// approved, applied and verified: the store, the state changes, the
// audit and the notes, with the cluster calls faked.
func BenchmarkProposeAndApprove(b *testing.B) {
	fx := &fakeFixer{verified: true}
	wf, err := New(Deps{Fixer: fx, Store: store.NewMemory(store.Retention{}), Presenter: &discard{}, Auditor: &discardAudit{}},
		Rules{Approvers: Anyone{}, TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	steps, _ := fx.Plan(ctx, kube.Fix{Target: kube.Target{Kind: "configmap", Namespace: "shop", Name: "cfg"}, Operation: kube.OpMergePatch, Rationale: "r"})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := agent.Proposal{ID: fmt.Sprintf("fix-%d", i), Preview: steps[0], Then: steps[1:]}
		if err := wf.Propose(ctx, Place{Conversation: "c"}, p); err != nil {
			b.Fatal(err)
		}
		wf.Decide(ctx, Decision{Proposal: p.ID, User: "u", Approve: true})
	}
}

type discard struct{}

func (discard) Offer(context.Context, Record) error              { return nil }
func (discard) Report(context.Context, Record, Report)           {}
func (discard) Refuse(context.Context, Decision, Record, string) {}
func (discard) Note(context.Context, string, string)             {}

type discardAudit struct{}

func (discardAudit) Record(context.Context, AuditRecord) {}
