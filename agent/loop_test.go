package agent

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/internal/openaitest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/analyze"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
)

// recorder collects events from an investigation.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) emit(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) answer(t *testing.T) Answer {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if a, ok := e.(Answer); ok {
			return a
		}
	}
	t.Fatalf("no answer among %d events: %+v", len(r.events), r.events)
	return Answer{}
}

func (r *recorder) progress() []Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Progress
	for _, e := range r.events {
		if p, ok := e.(Progress); ok && p.Done {
			out = append(out, p)
		}
	}
	return out
}

// demoNamespace loads the k3d demo app and waits for crashloop-app to crash.
func demoNamespace(t testing.TB) (string, *kube.Reader) {
	t.Helper()
	ns := plane.Namespace(t)
	ctx := context.Background()
	if err := demo.Load(ctx, plane.Config(), plane.Cluster(), ns); err != nil {
		t.Fatal(err)
	}
	r, err := kube.NewReader(plane.Config(), kube.ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	kubetest.Eventually(t, time.Minute, "crashloop-app finding", func() (bool, error) {
		fs, err := analyze.Run(ctx, r, analyze.Scope{Namespace: ns})
		for _, f := range fs {
			if f.Reason == "CrashLoopBackOff" {
				return true, nil
			}
		}
		return false, err
	})
	return ns, r
}

// newTestLoop builds a loop over c whose fixes p previews.
func newTestLoop(t testing.TB, llm *openaitest.Server, c Cluster, p Previewer, opts LoopOptions) *Loop {
	t.Helper()
	if opts.Model == "" {
		opts.Model = openaitest.DefaultModel
	}
	opts.RetryBackoff = 10 * time.Millisecond
	l, err := NewLoop(llm.Client(), c, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// planeFixer is a fixer with the plane's admin identity.
func planeFixer(t testing.TB) *fixer.Fixer {
	t.Helper()
	f, err := fixer.New(plane.Config(), fixer.Options{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoopInvestigatesWithParallelToolsAndProposes(t *testing.T) {
	ns, r := demoNamespace(t)
	llm := openaitest.New(t)
	llm.Script(
		openaitest.Calls(
			openaitest.Call("get", fmt.Sprintf(`{"resource":"pods","namespace":%q}`, ns)),
			openaitest.Call("logs", fmt.Sprintf(`{"namespace":%q,"pod":"deployment/crashloop-app","previous":true}`, ns)),
		),
		openaitest.Calls(openaitest.Call("propose_fix", fmt.Sprintf(`{"kind":"deploy","namespace":%q,"name":"crashloop-app","operation":"set-env","env":[{"name":"LISTEN_PORT","value":"8080"}],"rationale":"FATAL line"}`, ns))),
		openaitest.Text("LISTEN_PORT is not a number."),
	)
	rec := &recorder{}
	conv := &Conversation{}
	if err := newTestLoop(t, llm, r, planeFixer(t), LoopOptions{}).Ask(context.Background(), conv, "why does crashloop-app crash?", rec.emit); err != nil {
		t.Fatal(err)
	}
	if got := rec.answer(t).Text; got != "LISTEN_PORT is not a number." {
		t.Errorf("answer = %q", got)
	}
	second := llm.Requests()[1]
	results := second.ToolResults()
	if len(results) != 2 {
		t.Fatalf("second request carries %d tool results, want 2 (one per parallel call)", len(results))
	}
	if !strings.Contains(results[0].Content, "crashloop-app") || !strings.Contains(results[0].Content, "CrashLoopBackOff") {
		t.Errorf("get pods result lacks the crash-looping pod:\n%s", results[0].Content)
	}
	if !strings.Contains(results[1].Content, `FATAL: LISTEN_PORT="eighty"`) {
		t.Errorf("logs result lacks the FATAL line:\n%s", results[1].Content)
	}
	var prop *Proposal
	for _, e := range rec.events {
		if p, ok := e.(ProposalEvent); ok {
			prop = &p.Proposal
		}
	}
	if prop == nil || !strings.Contains(prop.Preview.Diff, `+          value: "8080"`) {
		t.Fatalf("no proposal with the env diff; events: %+v", rec.events)
	}
	third := llm.Requests()[2].ToolResults()
	if last := third[len(third)-1]; !strings.Contains(last.Content, "has NOT been applied") {
		t.Errorf("the model must be told the proposal is not applied: %q", last.Content)
	}
	// The question, the first turn folded into a reference, the proposal
	// turn in full, the answer: a follow-up keeps the whole context.
	if len(conv.Messages) != 5 {
		t.Errorf("conversation has %d messages, want 5", len(conv.Messages))
	} else if f := conv.Messages[1].Content; !strings.HasPrefix(f, foldMark) || !strings.Contains(f, "get ") || !strings.Contains(f, "logs ") {
		t.Errorf("the first turn should be folded into a reference naming both calls: %q", f)
	}
	if conv.Usage.Requests != 3 || conv.Usage.PromptTokens == 0 {
		t.Errorf("usage = %+v, want 3 requests with prompt tokens counted", conv.Usage)
	}
}

func TestLoopRecoversFromBadToolCalls(t *testing.T) {
	c := &fakeCluster{text: demoDeployments}
	llm := openaitest.New(t)
	llm.Script(
		openaitest.Calls(
			openaitest.Call("kubectl_delete", `{"name":"x"}`),
			openaitest.Call("get", `{"resource": "pods", "namespace": `),
			openaitest.Call("logs", `{"namespace":"default","pod":"<pod-name>"}`),
			openaitest.Call("get", `{"resource":"pods","colour":"blue"}`),
		),
		openaitest.Text("done"),
	)
	rec := &recorder{}
	if err := newTestLoop(t, llm, c, &previewRecorder{}, LoopOptions{}).Ask(context.Background(), &Conversation{}, "q", rec.emit); err != nil {
		t.Fatal(err)
	}
	results := llm.Requests()[1].ToolResults()
	wants := []string{"unknown tool \"kubectl_delete\"", "not a JSON object", "looks like a placeholder", "unknown field \"colour\""}
	if len(results) != len(wants) {
		t.Fatalf("%d tool results, want %d", len(results), len(wants))
	}
	for i, w := range wants {
		if !strings.Contains(results[i].Content, w) {
			t.Errorf("result %d = %q, want it to say %q", i, results[i].Content, w)
		}
	}
}

func TestLoopStepBudgetEndsEndlessToolLoop(t *testing.T) {
	ns, c := "shop", &fakeCluster{text: demoEvents}
	llm := openaitest.New(t)
	n := 0
	llm.Respond(func(openaitest.Request) openaitest.Reply {
		n++ // a different call each time, so the repeat guard does not end it
		return openaitest.Calls(openaitest.Call("events", fmt.Sprintf(`{"namespace":%q,"limit":%d}`, ns, n)))
	})
	rec := &recorder{}
	if err := newTestLoop(t, llm, c, &previewRecorder{}, LoopOptions{MaxSteps: 4}).Ask(context.Background(), &Conversation{}, "loop forever", rec.emit); err != nil {
		t.Fatal(err)
	}
	a := rec.answer(t)
	if a.Budget == "" || !strings.Contains(a.Text, "step") {
		t.Errorf("answer = %+v, want it to say the step budget ended", a)
	}
	if got := llm.RequestCount(); got != 4 {
		t.Errorf("the model was called %d times with MaxSteps 4", got)
	}
}

func TestLoopAnswersRepeatedCallFromEarlierResult(t *testing.T) {
	ns, c := "shop", &fakeCluster{text: demoDeployments}
	llm := openaitest.New(t)
	call := openaitest.Call("get", fmt.Sprintf(`{"resource":"deployments","namespace":%q}`, ns))
	llm.Script(openaitest.Calls(call), openaitest.Calls(call), openaitest.Text("ok"))
	rec := &recorder{}
	if err := newTestLoop(t, llm, c, &previewRecorder{}, LoopOptions{}).Ask(context.Background(), &Conversation{}, "q", rec.emit); err != nil {
		t.Fatal(err)
	}
	if p := rec.progress(); len(p) != 1 {
		t.Errorf("the tool ran %d times for two identical calls, want 1", len(p))
	}
	results := llm.Requests()[2].ToolResults()
	if got := results[len(results)-1].Content; !strings.Contains(got, "You already made this exact call") || !strings.Contains(got, "crashloop-app") {
		t.Errorf("repeated call result = %q", got)
	}
}

func TestLoopRetriesRateLimitThenAnswers(t *testing.T) {
	llm := openaitest.New(t)
	llm.Script(openaitest.RateLimited(time.Second), openaitest.ServerError(), openaitest.Text("fine"))
	rec := &recorder{}
	start := time.Now()
	if err := newTestLoop(t, llm, &fakeCluster{}, &previewRecorder{}, LoopOptions{}).Ask(context.Background(), &Conversation{}, "q", rec.emit); err != nil {
		t.Fatal(err)
	}
	if got := rec.answer(t).Text; got != "fine" {
		t.Errorf("answer = %q", got)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("answered after %s: Retry-After: 1 was not honoured", el)
	}
}

func TestLoopGivesUpWithClearErrorOnAuthFailure(t *testing.T) {
	llm := openaitest.New(t)
	cfg := openai.DefaultConfig("a-wrong-key")
	cfg.BaseURL = llm.BaseURL()
	l, err := NewLoop(openai.NewClientWithConfig(cfg), &fakeCluster{}, nil, LoopOptions{Model: openaitest.DefaultModel, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	err = l.Ask(context.Background(), &Conversation{}, "q", rec.emit)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v, want the model's 401", err)
	}
	if llm.RequestCount() != 1 {
		t.Errorf("a 401 was retried %d times; retrying cannot help", llm.RequestCount()-1)
	}
}
