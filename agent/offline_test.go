package agent

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/kube"

	"github.com/google/go-cmp/cmp"

	"github.com/kubertnetes/kubertnetes/kube/analyze"
)

func TestScopeFor(t *testing.T) {
	tests := []struct {
		q    string
		want analyze.Scope
	}{
		{"why is crashloop-app failing?", analyze.Scope{Names: []string{"crashloop-app"}}},
		{"what is wrong in namespace shop", analyze.Scope{Namespace: "shop"}},
		{"check pods -n payments", analyze.Scope{Namespace: "payments"}},
		{"is faulty-app ok in the staging namespace?", analyze.Scope{Namespace: "staging", Names: []string{"faulty-app"}}},
		{"is anything broken in the cluster?", analyze.Scope{}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, scopeFor(tt.q)); diff != "" {
				t.Errorf("scopeFor(%q) (-want +got):\n%s", tt.q, diff)
			}
		})
	}
}

func TestOfflineDiagnosesCrashloopApp(t *testing.T) {
	ns, r := demoNamespace(t)
	rec := &recorder{}
	if err := NewOffline(r, nil).Ask(context.Background(), &Conversation{}, "why is crashloop-app not working in namespace "+ns+"?", rec.emit); err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range rec.events {
		if f, ok := e.(FindingEvent); ok && f.Finding.Reason == "CrashLoopBackOff" && f.Finding.Owner != nil && f.Finding.Owner.Name == "crashloop-app" {
			found = true
			if !strings.Contains(strings.Join(f.Finding.Evidence, "\n"), `FATAL: LISTEN_PORT="eighty"`) {
				t.Errorf("finding evidence lacks the crash log line: %q", f.Finding.Evidence)
			}
		}
	}
	if !found {
		t.Errorf("no CrashLoopBackOff finding for crashloop-app; events: %+v", rec.events)
	}
	a := rec.answer(t)
	if !strings.Contains(a.Text, "CrashLoopBackOff") || !strings.Contains(a.Text, "OPENAI_API_KEY") {
		t.Errorf("answer = %q, want the diagnosis and how to configure a model", a.Text)
	}
}

func TestOfflineDiagnosesFaultyAppAndProposesTheFix(t *testing.T) {
	ns, r := demoNamespace(t)
	rec := &recorder{}
	if err := NewOffline(r, planeFixer(t)).Ask(context.Background(), &Conversation{}, "why is faulty-app not working in namespace "+ns+"?", rec.emit); err != nil {
		t.Fatal(err)
	}
	var finding, proposal bool
	for _, e := range rec.events {
		switch e := e.(type) {
		case FindingEvent:
			if e.Finding.Reason == "ServiceNotFound" && strings.Contains(e.Finding.Message, `"backend-svc"`) {
				finding = true
			}
		case ProposalEvent:
			// The ConfigMap is read at start: the fix comes with the
			// restart of the Deployment that reads it.
			then := e.Proposal.Then
			if strings.Contains(e.Proposal.Preview.Diff, "+  BACKEND_URL: http://backend-service:8080/healthz") &&
				len(then) == 1 && then[0].Fix.Target.Name == "faulty-app" && then[0].Fix.Operation == kube.OpRolloutRestart {
				proposal = true
			}
		}
	}
	if !finding || !proposal {
		t.Errorf("finding %v, proposal %v; events: %+v", finding, proposal, rec.events)
	}
	if a := rec.answer(t); !strings.Contains(a.Text, "proposed 1 fix") {
		t.Errorf("answer = %q", a.Text)
	}
}

// failingPreviewer refuses every fix the way a dry run that an admission
// webhook denied does, echoing what it was given.
type failingPreviewer struct{ err error }

func (p failingPreviewer) Plan(context.Context, kube.Fix) ([]kube.Preview, error) { return nil, p.err }

// The offline brain's preview errors reach the terminal and Slack through
// the Reader's redactor.
func TestOfflinePreviewErrorsAreRedacted(t *testing.T) {
	ns, r := demoNamespace(t)
	rec := &recorder{}
	refused := failingPreviewer{errors.New(`server-side dry run refused: admission webhook denied: BACKEND_TOKEN=hunter2-planted is not allowed`)}
	if err := NewOffline(r, refused).Ask(context.Background(), &Conversation{}, "why is faulty-app not working in namespace "+ns+"?", rec.emit); err != nil {
		t.Fatal(err)
	}
	shown := false
	for _, e := range rec.events {
		if p, ok := e.(Progress); ok && p.Tool == "propose_fix" && p.Done {
			shown = true
			if strings.Contains(p.Err, "hunter2-planted") || !strings.Contains(p.Err, "is not allowed") {
				t.Errorf("the preview error shown is %q", p.Err)
			}
		}
	}
	if !shown {
		t.Errorf("no preview was attempted; events: %+v", rec.events)
	}
}
