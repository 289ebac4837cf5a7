package fixer

import (
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// Every step of a fix becomes an Event on its target, from kubertnetes,
// with who asked, who decided, the diff hash and the result; and a log line.
func TestEventAuditorRecordsEachStep(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	core, logs := observer.New(zap.InfoLevel)
	a, err := NewEventAuditor(plane.Config(), zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	p, err := newFixer(t, Policy{}).Preview(t.Context(), setPort(ns, "8080"))
	if err != nil {
		t.Fatal(err)
	}
	steps := []AuditRecord{
		{Reason: FixProposed, RequestedBy: "slack:U1"},
		{Reason: FixApproved, RequestedBy: "slack:U1", DecidedBy: "slack:U2"},
		{Reason: FixApplied, RequestedBy: "slack:U1", DecidedBy: "slack:U2", As: Identity{User: "alice", Groups: []string{"sre"}}, Result: "resourceVersion 42"},
		{Reason: FixVerified, RequestedBy: "slack:U1", DecidedBy: "slack:U2", Result: "1 pods Ready"},
		{Reason: FixNotVerified, Result: "CrashLoopBackOff"},
		{Reason: FixFailed, Result: "conflict"},
		{Reason: FixRejected, RequestedBy: "slack:U1", DecidedBy: "slack:U3"},
	}
	for _, s := range steps {
		s.Proposal, s.Preview = "fix-1", *p
		a.Record(t.Context(), s)
	}
	evs, err := plane.Clientset(t).CoreV1().Events(ns).List(t.Context(), metav1.ListOptions{
		FieldSelector: fields.Set{"involvedObject.name": "crashloop-app", "source": AuditComponent}.String(),
	})
	if err != nil {
		t.Fatal(err)
	}
	byReason := map[string]corev1.Event{}
	for _, e := range evs.Items {
		byReason[e.Reason] = e
	}
	for _, s := range steps {
		e, ok := byReason[string(s.Reason)]
		if !ok {
			t.Errorf("no %s Event among %d", s.Reason, len(evs.Items))
			continue
		}
		if e.InvolvedObject.Kind != "Deployment" || e.InvolvedObject.UID != p.UID || e.ReportingController != AuditComponent {
			t.Errorf("%s Event is not on the Deployment from kubertnetes: %+v", s.Reason, e.InvolvedObject)
		}
		if !strings.Contains(e.Message, "patch sha256 "+p.PatchHash[:12]) || !strings.Contains(e.Message, "fix fix-1 (set-env)") {
			t.Errorf("%s message %q lacks the proposal or hash", s.Reason, e.Message)
		}
		wantType := corev1.EventTypeNormal
		if s.Reason == FixFailed || s.Reason == FixNotVerified {
			wantType = corev1.EventTypeWarning
		}
		if e.Type != wantType {
			t.Errorf("%s Event type %s, want %s", s.Reason, e.Type, wantType)
		}
	}
	if m := byReason["FixApplied"].Message; !strings.Contains(m, "asked by slack:U1; approved by slack:U2; applied as alice (groups sre)") || !strings.Contains(m, "result: resourceVersion 42") {
		t.Errorf("FixApplied message %q", m)
	}
	if m := byReason["FixRejected"].Message; !strings.Contains(m, "rejected by slack:U3") {
		t.Errorf("FixRejected message %q", m)
	}
	lines := logs.FilterMessage("fix audit").All()
	if len(lines) != len(steps) {
		t.Fatalf("%d audit log lines, want %d", len(lines), len(steps))
	}
	if f := lines[2].ContextMap(); f["reason"] != "FixApplied" || f["as"] != "alice (groups sre)" || f["patch_sha256"] != p.PatchHash || f["decided_by"] != "slack:U2" {
		t.Errorf("FixApplied log fields %v", f)
	}
}

// An identity that may not create Events loses the Event, not the fix: the
// failure is logged.
func TestEventAuditorFailureIsLogged(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	core, logs := observer.New(zap.InfoLevel)
	a, err := NewEventAuditor(plane.User(t, "nobody-"+ns), zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	p, err := newFixer(t, Policy{}).Preview(t.Context(), setPort(ns, "8080"))
	if err != nil {
		t.Fatal(err)
	}
	a.Record(t.Context(), AuditRecord{Reason: FixApplied, Proposal: "fix-2", Preview: *p})
	warn := logs.FilterMessageSnippet("record fix audit Event").All()
	if len(warn) != 1 || !slices.ContainsFunc(warn[0].Context, func(f zap.Field) bool { return f.Key == "error" }) {
		t.Errorf("the failed Event was not logged with its error: %+v", logs.All())
	}
}
