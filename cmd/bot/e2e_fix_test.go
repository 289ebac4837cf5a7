package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/internal/openaitest"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
)

// scriptPort scripts the model to propose LISTEN_PORT=port for crashloop-app.
func scriptPort(llm *openaitest.Server, ns, port string) {
	llm.Script(
		openaitest.Calls(openaitest.Call("logs", fmt.Sprintf(`{"namespace":%q,"pod":"deployment/crashloop-app","previous":true}`, ns))),
		openaitest.Calls(openaitest.Call("propose_fix", fmt.Sprintf(`{"kind":"Deployment","namespace":%q,"name":"crashloop-app",
			"operation":"set-env","container":"crashloop-app","env":[{"name":"LISTEN_PORT","value":%q}],
			"rationale":"LISTEN_PORT must be changed.","expected":"crashloop-app pods Ready"}`, ns, port))),
		openaitest.Text("I proposed LISTEN_PORT="+port+"."),
	)
}

// auditEvents waits until crashloop-app carries kubertnetes Events with
// every reason, and returns them by reason.
func (d demoApp) auditEvents(t *testing.T, reasons ...string) map[string]corev1.Event {
	t.Helper()
	got := map[string]corev1.Event{}
	kubetest.Eventually(t, 10*time.Second, fmt.Sprintf("audit Events %v on crashloop-app", reasons), func() (bool, error) {
		evs, err := d.cs.CoreV1().Events(d.ns).List(t.Context(), metav1.ListOptions{
			FieldSelector: fields.Set{"involvedObject.name": "crashloop-app", "source": "kubertnetes"}.String(),
		})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			got[e.Reason] = e
		}
		for _, r := range reasons {
			if _, ok := got[r]; !ok {
				return false, nil
			}
		}
		return true, nil
	})
	return got
}

// proposalUpdated waits until the proposal message itself says all parts.
func (e *e2e) proposalUpdated(t *testing.T, thread, ts string, parts ...string) slacktest.Message {
	t.Helper()
	return e.slack.WaitForMessage(t, channel, thread, func(m slacktest.Message) bool {
		if m.TS != ts {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(blocksText(m), p) {
				return false
			}
		}
		return true
	}, 60*time.Second)
}

// An approved fix is applied, verified on the cluster, and audited.
func TestApprovedFixIsVerifiedAndAudited(t *testing.T) {
	d := loadDemo(t)
	e := startServe(t)
	scriptInvestigation(e.llm, d.ns)
	root := e.slack.Mention(channel, requester, "why is crashloop-app failing in "+d.ns+"?")
	prop := e.proposal(t, root)
	e.slack.ClickButton(channel, prop.TS, approver, "kubertnetes_approve")

	e.waitText(t, root, "Verified after", "deployment crashloop-app rolled out: 1/1 pods updated and available", "1 pods Ready")
	e.proposalUpdated(t, root, prop.TS, "Applied by <@"+approver+">", "— verified ✅")
	evs := d.auditEvents(t, "FixProposed", "FixApproved", "FixApplied", "FixVerified")
	if m := evs["FixApplied"].Message; !strings.Contains(m, "asked by slack:"+requester+"; approved by slack:"+approver) || !strings.Contains(m, "patch sha256 ") {
		t.Errorf("FixApplied Event says %q", m)
	}
	e.allAcked(t)
}

// The object changed between the preview and the click: nothing is
// applied, and a fresh proposal of the same fix comes with its buttons.
func TestConflictInSlackOffersAFreshProposal(t *testing.T) {
	d := loadDemo(t)
	e := startServe(t)
	scriptInvestigation(e.llm, d.ns)
	root := e.slack.Mention(channel, requester, "why is crashloop-app failing in "+d.ns+"?")
	prop := e.proposal(t, root)
	if _, err := d.cs.AppsV1().Deployments(d.ns).Patch(t.Context(), "crashloop-app", types.MergePatchType, []byte(`{"metadata":{"labels":{"touched":"yes"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	e.slack.ClickButton(channel, prop.TS, approver, "kubertnetes_approve")
	e.waitText(t, root, "but not applied", "the object changed since this fix was previewed", "Here is a fresh preview")
	if got := d.listenPort(t); got != "eighty" {
		t.Fatalf("a conflicting approval changed LISTEN_PORT to %q", got)
	}
	fresh := e.slack.WaitForMessage(t, channel, root, func(m slacktest.Message) bool {
		b := blocksText(m)
		return m.TS != prop.TS && strings.Contains(b, "Proposed fix") && strings.Contains(b, "[button Approve kubertnetes_approve]") && strings.Contains(b, `+          value: "8080"`)
	}, 30*time.Second)
	e.slack.ClickButton(channel, fresh.TS, approver, "kubertnetes_approve")
	e.waitText(t, root, "Verified after")
	if got := d.listenPort(t); got != "8080" {
		t.Errorf("after approving the fresh proposal LISTEN_PORT = %q", got)
	}
	d.auditEvents(t, "FixFailed", "FixApplied", "FixVerified")
}

// Applying as the approver: an identity without RBAC gets a clear refusal
// and the cluster does not change.
func TestApproverWithoutRBACChangesNothing(t *testing.T) {
	d := loadDemo(t)
	e := startServe(t, map[string]string{"KUBERTNETES_IMPERSONATE": approver + "=mallory@example.com:interns"})
	scriptInvestigation(e.llm, d.ns)
	root := e.slack.Mention(channel, requester, "why is crashloop-app failing in "+d.ns+"?")
	prop := e.proposal(t, root)
	e.slack.ClickButton(channel, prop.TS, approver, "kubertnetes_approve")
	e.waitText(t, root, "Approved by <@"+approver+"> but not applied", "as mallory@example.com (groups interns)", "RBAC refused it, nothing was applied", `User "mallory@example.com" cannot patch resource "deployments"`)
	if got := d.listenPort(t); got != "eighty" {
		t.Errorf("a refused approver changed LISTEN_PORT to %q", got)
	}
	if m := d.auditEvents(t, "FixFailed")["FixFailed"].Message; !strings.Contains(m, "applied as mallory@example.com") {
		t.Errorf("FixFailed Event says %q", m)
	}
}

// A fix that does not help is not verified; the rollback proposal, once
// approved, restores the previous value.
func TestNotVerifiedFixOffersARollbackInSlack(t *testing.T) {
	d := loadDemo(t)
	e := startServe(t, map[string]string{"KUBERTNETES_VERIFY_TIMEOUT": "8s"})
	scriptPort(e.llm, d.ns, "eighty-one")
	root := e.slack.Mention(channel, requester, "fix crashloop-app in "+d.ns)
	prop := e.waitText(t, root, "Proposed fix", "[button Approve kubertnetes_approve]", "value: eighty-one")
	e.slack.ClickButton(channel, prop.TS, approver, "kubertnetes_approve")

	e.waitText(t, root, "Not verified after", "CrashLoopBackOff", "deployment crashloop-app: 0 of 1 pods available")
	e.proposalUpdated(t, root, prop.TS, "Applied by <@"+approver+">", "— not verified:")
	rb := e.waitText(t, root, "Proposed rollback", "[button Approve kubertnetes_approve]", "-          value: eighty-one", "+          value: eighty")
	e.slack.ClickButton(channel, rb.TS, approver, "kubertnetes_approve")
	kubetest.Eventually(t, 30*time.Second, "LISTEN_PORT restored to eighty", func() (bool, error) { return d.listenPort(t) == "eighty", nil })
	// The old value crash-loops again: said honestly, and no rollback of a rollback.
	e.waitText(t, root, "No rollback offered", "this fix was itself a rollback")
	evs := d.auditEvents(t, "FixApplied", "FixNotVerified")
	if evs["FixNotVerified"].Type != corev1.EventTypeWarning {
		t.Errorf("FixNotVerified is a %s Event", evs["FixNotVerified"].Type)
	}
	n := 0
	for _, m := range e.slack.Thread(channel, root) {
		if slices.Contains(strings.Split(blocksText(m), "\n"), "[button Approve kubertnetes_approve]") {
			n++
		}
	}
	if n != 0 {
		t.Errorf("%d messages still show buttons after both were decided", n)
	}
}

// The demo's ConfigMap fault in Slack with no model: the offline brain
// proposes the ConfigMap fix and the restart of faulty-app as one proposal;
// one click applies both, and it is verified on the Deployment.
func TestConfigMapFixAndItsRestartAreOneApprovalInSlack(t *testing.T) {
	d := loadDemo(t)
	e := startServe(t, map[string]string{"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "KUBERTNETES_MODEL": "", "KUBERTNETES_VERIFY_TIMEOUT": "60s"})
	root := e.slack.Mention(channel, requester, "why is faulty-app not working in namespace "+d.ns+"?")
	prop := e.waitText(t, root, "Proposed fix", "2 steps", "Step 1 of 2", "configmap/faulty-app-config", "Step 2 of 2", "rollout-restart", "deployment/faulty-app")
	e.slack.ClickButton(channel, prop.TS, approver, "kubertnetes_approve")
	e.waitText(t, root, "configmap/faulty-app-config in namespace "+d.ns+" is now at resourceVersion", "deployment/faulty-app in namespace "+d.ns+" is now at resourceVersion")
	e.waitText(t, root, "Verified after", "deployment faulty-app rolled out")
	e.proposalUpdated(t, root, prop.TS, "Applied by <@"+approver+">", "— verified ✅")
	dep, err := d.cs.AppsV1().Deployments(d.ns).Get(t.Context(), "faulty-app", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dep.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
		t.Errorf("faulty-app was not restarted")
	}
	e.allAcked(t)
}
