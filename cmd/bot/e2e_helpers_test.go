package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/internal/openaitest"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
)

const (
	channel   = "C0DEMO001"
	requester = "UREQUEST1"
	approver  = "UAPPROVE1"
	outsider  = "UOUTSIDE1"
)

// syncBuffer is a bytes.Buffer safe for the bot's goroutines, that a test
// can wait on for what is written to it.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed by the next Write; nil while nobody waits
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written != nil {
		close(s.written)
		s.written = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// await reports whether cond came to hold for everything written so far
// within timeout. It checks cond again after each write, not on a clock.
func (s *syncBuffer) await(timeout time.Duration, cond func(written string) bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		text := s.b.String()
		if s.written == nil {
			s.written = make(chan struct{})
		}
		written := s.written
		s.mu.Unlock()
		if cond(text) {
			return true
		}
		select {
		case <-written:
		case <-deadline.C:
			return false
		}
	}
}

// demoApp is a namespace on the real control plane with the k3d demo app
// loaded, crashloop-app already crash-looping.
type demoApp struct {
	ns string
	cs kubernetes.Interface
}

func loadDemo(t testing.TB) demoApp {
	t.Helper()
	ns := plane.Namespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := demo.Load(ctx, plane.Config(), plane.Cluster(), ns); err != nil {
		t.Fatalf("load demo app: %v", err)
	}
	d := demoApp{ns: ns, cs: plane.Clientset(t)}
	kubetest.Eventually(t, 60*time.Second, "crashloop-app in CrashLoopBackOff", func() (bool, error) {
		pods, err := d.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=crashloop-app"})
		if err != nil {
			return false, err
		}
		for _, p := range pods.Items {
			for _, cs := range p.Status.ContainerStatuses {
				if cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff" {
					return true, nil
				}
			}
		}
		return false, nil
	})
	plane.WaitDeploymentsSettled(t, ns)
	return d
}

// listenPort reads crashloop-app's LISTEN_PORT from the live Deployment.
func (d demoApp) listenPort(t testing.TB) string {
	t.Helper()
	dep, err := d.cs.AppsV1().Deployments(d.ns).Get(context.Background(), "crashloop-app", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get crashloop-app: %v", err)
	}
	return envValue(dep.Spec.Template.Spec.Containers[0].Env, "LISTEN_PORT")
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// scriptInvestigation scripts the model: analyze the namespace and read the
// crashed container's logs (two calls in one turn), propose the env fix,
// then answer.
func scriptInvestigation(llm *openaitest.Server, ns string) {
	llm.Script(investigation(ns)...)
}

// investigation is the model's side of scriptInvestigation.
func investigation(ns string) []openaitest.Reply {
	return []openaitest.Reply{
		openaitest.Calls(
			openaitest.Call("analyze", fmt.Sprintf(`{"namespace":%q}`, ns)),
			openaitest.Call("logs", fmt.Sprintf(`{"namespace":%q,"pod":"deployment/crashloop-app","previous":true}`, ns)),
		),
		openaitest.Calls(openaitest.Call("propose_fix", fmt.Sprintf(`{"kind":"Deployment","namespace":%q,"name":"crashloop-app",
			"operation":"set-env","container":"crashloop-app","env":[{"name":"LISTEN_PORT","value":"8080"}],
			"rationale":"The container exits with FATAL: LISTEN_PORT=\"eighty\" is not a port number.",
			"risk":"The pod restarts once.","expected":"crashloop-app pods Running and Ready"}`, ns))),
		openaitest.Text("crashloop-app crashes at start because its LISTEN_PORT is \"eighty\"; I proposed setting it to 8080."),
	}
}

// e2e runs `kubertnetes serve` against the fake Slack, the fake model and
// the real control plane, exactly as a user would configure it.
type e2e struct {
	slack *slacktest.Server
	llm   *openaitest.Server
	logs  *syncBuffer
}

// startServe runs serve with the settings a user would give it for the
// fake Slack, the fake model and the plane; overrides replace or add
// settings (an empty value unsets one).
func startServe(t testing.TB, overrides ...map[string]string) *e2e {
	t.Helper()
	e := &e2e{
		slack: slacktest.New(t, slacktest.BotToken("xoxb-e2e-token"), slacktest.AppToken("xapp-e2e-token"), slacktest.AckTimeout(3*time.Second)),
		llm:   openaitest.New(t),
		logs:  &syncBuffer{},
	}
	settings := map[string]string{
		"SLACK_BOT_TOKEN":            "xoxb-e2e-token",
		"SLACK_APP_TOKEN":            "xapp-e2e-token",
		"SLACK_API_URL":              e.slack.APIURL(),
		"OPENAI_API_KEY":             openaitest.DefaultAPIKey,
		"OPENAI_BASE_URL":            e.llm.BaseURL(),
		"KUBERTNETES_MODEL":          openaitest.DefaultModel,
		"KUBECONFIG":                 plane.Cluster().KubeconfigPath(),
		"KUBERTNETES_APPROVERS":      approver,
		"KUBERTNETES_LOG_LEVEL":      "debug",
		"KUBERTNETES_HTTP_ADDR":      "127.0.0.1:0",
		"KUBERTNETES_STATE":          filepath.Join(t.TempDir(), "state.db"),
		"KUBERTNETES_VERIFY_TIMEOUT": "20s",
	}
	for _, o := range overrides {
		maps.Copy(settings, o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, env(settings), stdio{in: strings.NewReader(""), out: e.logs, err: e.logs})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown; logs:\n%s", err, e.logs)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("serve did not stop within 15s of cancellation; logs:\n%s", e.logs)
		}
	})
	e.slack.WaitConnected(t, 1)
	return e
}

// waitText waits for a bot message in the thread whose text or blocks
// contain every part.
func (e *e2e) waitText(t testing.TB, thread string, parts ...string) slacktest.Message {
	t.Helper()
	return e.slack.WaitForMessage(t, channel, thread, func(m slacktest.Message) bool {
		if m.BotID == "" {
			return false
		}
		all := m.Text + "\n" + blocksText(m)
		for _, p := range parts {
			if !strings.Contains(all, p) {
				return false
			}
		}
		return true
	}, 60*time.Second)
}

// proposal waits for the proposal message and checks it carries both buttons.
func (e *e2e) proposal(t testing.TB, thread string) slacktest.Message {
	t.Helper()
	m := e.waitText(t, thread, "Proposed fix", "LISTEN_PORT")
	blocks := blocksText(m)
	for _, want := range []string{"[button Approve kubertnetes_approve]", "[button Reject kubertnetes_reject]", "-          value: eighty", "+          value: \"8080\""} {
		if !strings.Contains(blocks, want) {
			t.Fatalf("proposal message lacks %s; blocks:\n%s", want, blocks)
		}
	}
	return m
}

// allAcked checks every envelope the fake delivered was acked in time.
func (e *e2e) allAcked(t *testing.T) {
	t.Helper()
	// The last echoes of the bot's own posts may still be in flight.
	e.slack.WaitUntil(t, 5*time.Second, func() bool {
		for _, d := range e.slack.Deliveries() {
			if !d.Acked {
				return false
			}
		}
		return true
	}, "every envelope acked")
	for _, d := range e.slack.Deliveries() {
		if !d.Acked {
			t.Errorf("envelope %s (%s %s) was never acked", d.EnvelopeID, d.Type, d.EventType)
		} else if d.AckLatency > time.Second {
			t.Errorf("envelope %s acked after %s; the bot must ack before working", d.EnvelopeID, d.AckLatency)
		}
		if d.RetryAttempt > 0 {
			t.Errorf("envelope %s was a redelivery (attempt %d): an ack was late", d.EnvelopeID, d.RetryAttempt)
		}
	}
}

// blocksText is what a person sees in a message's blocks: section and
// context texts, and buttons as [button TEXT ACTION_ID].
func blocksText(m slacktest.Message) string {
	var b strings.Builder
	for _, bl := range m.Blocks.BlockSet {
		switch x := bl.(type) {
		case *slack.SectionBlock:
			if x.Text != nil {
				b.WriteString(x.Text.Text + "\n")
			}
		case *slack.ContextBlock:
			for _, el := range x.ContextElements.Elements {
				if t, ok := el.(*slack.TextBlockObject); ok {
					b.WriteString(t.Text + "\n")
				}
			}
		case *slack.ActionBlock:
			for _, el := range x.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok {
					fmt.Fprintf(&b, "[button %s %s]\n", btn.Text.Text, btn.ActionID)
				}
			}
		}
	}
	return b.String()
}
