package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/fixflow"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// silent presents nothing: the test plants a record as a crashed process
// would have left it.
type silent struct{}

func (silent) Offer(context.Context, fixflow.Record) error                      { return nil }
func (silent) Report(context.Context, fixflow.Record, fixflow.Report)           {}
func (silent) Refuse(context.Context, fixflow.Decision, fixflow.Record, string) {}
func (silent) Note(context.Context, string, string)                             {}

// A process died after recording an approval as applying and before
// applying it. serve, started on the same state file, checks the object
// and tells the thread the fix was not applied, and the record says so.
func TestServeSettlesAnApplyACrashInterrupted(t *testing.T) {
	d := loadDemo(t)
	state := filepath.Join(t.TempDir(), "state.db")
	const thread = "1700000000.000100"
	f, err := fixer.New(plane.Config(), fixer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	steps, err := f.Plan(t.Context(), kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: d.ns, Name: "crashloop-app"},
		Operation: kube.OpSetEnv, Env: map[string]string{"LISTEN_PORT": "8080"}, Rationale: "LISTEN_PORT must be a number"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenBolt(state, store.Retention{})
	if err != nil {
		t.Fatal(err)
	}
	wf, err := fixflow.New(fixflow.Deps{Store: st, Presenter: silent{}}, fixflow.Rules{Approvers: fixflow.Anyone{}})
	if err != nil {
		t.Fatal(err)
	}
	p := agent.NewProposal(steps)
	if err := wf.Propose(t.Context(), fixflow.Place{Conversation: channel + "/" + thread, Channel: channel, Thread: thread, Requester: requester}, p); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Transition(t.Context(), p.ID, store.Pending, store.Applying, approver); !ok || err != nil {
		t.Fatalf("plant applying: %v %v", ok, err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	e := startServe(t, map[string]string{"KUBERTNETES_STATE": state})
	e.waitText(t, thread, "kubertnetes stopped while applying it", "the result is unknown; kubertnetes will check deployment/crashloop-app")
	e.waitText(t, thread, "On checking, it was NOT applied", "nothing was changed")
	if got := d.listenPort(t); got != "eighty" {
		t.Errorf("LISTEN_PORT = %q; settling must not apply anything", got)
	}
}
