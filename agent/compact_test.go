package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sashabaranov/go-openai"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/internal/openaitest"
	"github.com/kubertnetes/kubertnetes/tokens"
)

func toolTurn(id, result string) []openai.ChatCompletionMessage {
	return []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleAssistant, ToolCalls: []openai.ToolCall{{ID: id, Type: openai.ToolTypeFunction, Function: openai.FunctionCall{Name: "get", Arguments: `{"resource":"pods"}`}}}},
		{Role: openai.ChatMessageRoleTool, ToolCallID: id, Content: result},
	}
}

func TestCompactFoldsAllButTheRecentTurnsOnce(t *testing.T) {
	big := strings.Repeat("pod-a   0/1   CrashLoopBackOff   7   10m\n", 40)
	msgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "why?"}}
	for i := 0; i < 4; i++ {
		msgs = append(msgs, toolTurn(fmt.Sprint("c", i), big)...)
	}
	msgs = append(msgs, toolTurn("last", "No events found.")...)
	count := tokens.New()
	got := compact(msgs, 2, count)
	var roles []string
	for _, m := range got {
		roles = append(roles, m.Role)
	}
	// question, three folded turns, then the last two turns whole.
	want := []string{"user", "user", "user", "user", "assistant", "tool", "assistant", "tool"}
	if diff := cmp.Diff(want, roles); diff != "" {
		t.Fatalf("roles (-want +got):\n%s", diff)
	}
	folded := got[1].Content
	if !strings.HasPrefix(folded, foldMark) || !strings.Contains(folded, `get {"resource":"pods"}`) || !strings.Contains(folded, "CrashLoopBackOff") {
		t.Errorf("a folded turn must say what the call was and how it began: %q", folded)
	}
	if n := count.Count(folded); n > 80 {
		t.Errorf("a folded turn costs %d tokens; the point is to be short", n)
	}
	again := compact(got, 2, count)
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("compacting again changed the transcript; the prefix must stay stable:\n%s", diff)
	}
}

func TestCommandsInProse(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Let me check the pods: `kubectl get pods -n shop`", []string{"kubectl get pods -n shop"}},
		{"```bash\nkubectl logs deploy/web -n shop --previous\n```", []string{"kubectl logs deploy/web -n shop --previous"}},
		{"$ kubectl describe pod web-1 -n shop", []string{"kubectl describe pod web-1 -n shop"}},
		{"The pod crashes because LISTEN_PORT is not a number. The evidence is the FATAL line in its previous logs, which says so plainly. To confirm after the fix, a human can run `kubectl get pods -n shop` and see it Running.", nil},
		{"Everything looks healthy.", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, commandsInProse(tt.in)); diff != "" {
			t.Errorf("commandsInProse(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestLoopRunsCommandsWrittenAsProse(t *testing.T) {
	ns, c := "shop", &fakeCluster{text: demoDeployments}
	llm := openaitest.New(t)
	llm.Script(openaitest.Text(fmt.Sprintf("I will look at the deployments: `kubectl get deployments -n %s`", ns)), openaitest.Text("done"))
	rec := &recorder{}
	if err := newTestLoop(t, llm, c, &previewRecorder{}, LoopOptions{}).Ask(context.Background(), &Conversation{}, "q", rec.emit); err != nil {
		t.Fatal(err)
	}
	sent := llm.Requests()[1].Messages
	last := sent[len(sent)-1]
	if last.Role != openai.ChatMessageRoleUser || !strings.Contains(last.Content, "crashloop-app") || !strings.Contains(last.Content, "call the tools directly") {
		t.Errorf("the prose command was not run and steered back: %+v", last)
	}
}

func TestLoopRefusesMutatingKubectl(t *testing.T) {
	llm := openaitest.New(t)
	llm.Script(openaitest.Calls(openaitest.Call("kubectl", `{"command":"kubectl delete deployment crashloop-app"}`)), openaitest.Text("ok"))
	if err := newTestLoop(t, llm, unreachableReader(t), &previewRecorder{}, LoopOptions{}).Ask(context.Background(), &Conversation{}, "q", (&recorder{}).emit); err != nil {
		t.Fatal(err)
	}
	res := llm.Requests()[1].ToolResults()[0].Content
	if !strings.Contains(res, "refused") || !strings.Contains(res, "propose_fix") {
		t.Errorf("kubectl delete result = %q, want a refusal pointing to propose_fix", res)
	}
}

func TestLoopBoundsToolOutputByTokens(t *testing.T) {
	llm := openaitest.New(t)
	llm.Script(openaitest.Calls(openaitest.Call("kubectl", `{"command":"kubectl api-resources"}`)), openaitest.Text("ok"))
	if err := newTestLoop(t, llm, &fakeCluster{text: apiResources}, &previewRecorder{}, LoopOptions{ToolTokens: 100}).Ask(context.Background(), &Conversation{}, "q", (&recorder{}).emit); err != nil {
		t.Fatal(err)
	}
	res := llm.Requests()[1].ToolResults()[0].Content
	head, _, _ := strings.Cut(res, "\n[output too long")
	if !strings.Contains(res, "[output too long: only the first 100 tokens") || tokens.New().Count(head) > 100 {
		t.Errorf("result not bounded to 100 tokens with a narrowing note:\n%s", res)
	}
}

func TestLoopTokenBudgetEndsTheQuestion(t *testing.T) {
	ns, c := "shop", &fakeCluster{text: describeDeployment}
	llm := openaitest.New(t)
	n := 0
	llm.Respond(func(openaitest.Request) openaitest.Reply {
		n++
		return openaitest.Calls(openaitest.Call("describe", fmt.Sprintf(`{"resource":"deployment","name":"crashloop-app","namespace":%q}`, ns)), openaitest.Call("events", fmt.Sprintf(`{"namespace":%q,"limit":%d}`, ns, n)))
	})
	rec := &recorder{}
	if err := newTestLoop(t, llm, c, &previewRecorder{}, LoopOptions{TurnTokens: 6000}).Ask(context.Background(), &Conversation{}, "q", rec.emit); err != nil {
		t.Fatal(err)
	}
	a := rec.answer(t)
	if !strings.Contains(a.Budget, "per-question token") || !strings.Contains(a.Text, "What I checked: describe") {
		t.Errorf("answer = %+v, want the token budget named and a summary of the steps", a)
	}
	if llm.RequestCount() >= 12 {
		t.Errorf("%d model calls: the token budget did not stop the loop", llm.RequestCount())
	}
}

// BenchmarkInvestigationPromptTokens replays a scripted 20-step
// investigation on a namespace of realistic size (the demo app, its backend
// scaled to 30 pods, a chatty crashing container) and reports the prompt
// tokens sent — counted with the real o200k tokenizer over the messages and
// tool definitions, as a provider bills them — with compaction against the
// naive resend-everything transcript.
func BenchmarkInvestigationPromptTokens(b *testing.B) {
	ns, r := demoNamespace(b)
	ctx := context.Background()
	cs := plane.Clientset(b)
	if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, "backend", types.MergePatchType, []byte(`{"spec":{"replicas":30}}`), metav1.PatchOptions{}); err != nil {
		b.Fatal(err)
	}
	var logs []string
	for i := 0; i < 150; i++ {
		logs = append(logs, fmt.Sprintf("2026-11-21T02:%02d:%02dZ INFO worker=%d loaded config section %d of 150 (cache warm, 12 entries)", i/60, i%60, i%4, i))
	}
	logs = append(logs, `FATAL: LISTEN_PORT="eighty" is not a port number`)
	if err := plane.Cluster().SetContainerLogs(ctx, ns, "crashloop-app", logs, logs); err != nil {
		b.Fatal(err)
	}
	steps := []string{
		`kubectl get pods -n %[1]s -o wide`, `kubectl describe deployment crashloop-app -n %[1]s`,
		`kubectl get events -n %[1]s`, `kubectl logs deployment/crashloop-app -n %[1]s --previous`,
		`kubectl get deployment crashloop-app -n %[1]s -o yaml`, `kubectl describe deployment faulty-app -n %[1]s`,
		`kubectl get configmap faulty-app-config -n %[1]s -o yaml`, `kubectl describe deployment backend -n %[1]s`,
		`kubectl get endpointslices -n %[1]s`, `kubectl get pods -n %[1]s -l app=backend`,
	}
	count := tokens.New()
	run := func(keep int) int {
		llm := openaitest.New(b)
		for i := 0; i < 20; i++ {
			cmd := fmt.Sprintf(steps[i%len(steps)], ns) + strings.Repeat(" ", i/len(steps)) // not a repeat
			llm.Script(openaitest.Calls(openaitest.Call("kubectl", fmt.Sprintf(`{"command":%q}`, cmd))))
		}
		llm.Script(openaitest.Text("done"))
		l := newTestLoop(b, llm, r, planeFixer(b), LoopOptions{KeepTurns: keep, MaxSteps: 25})
		if err := l.Ask(ctx, &Conversation{}, "why are crashloop-app and faulty-app not working?", func(Event) {}); err != nil {
			b.Fatal(err)
		}
		total := 0
		for _, req := range llm.Requests() {
			msgs, _ := json.Marshal(req.Messages)
			tools, _ := json.Marshal(req.Tools)
			total += count.Count(string(msgs)) + count.Count(string(tools))
		}
		return total
	}
	var naive, keep2, keep1 int
	for i := 0; i < b.N; i++ {
		naive, keep2, keep1 = run(-1), run(2), run(1)
	}
	b.ReportMetric(float64(naive), "naive-tokens")
	b.ReportMetric(float64(keep2), "keep2-tokens")
	b.ReportMetric(100*float64(keep2)/float64(naive), "keep2-%")
	b.ReportMetric(float64(keep1), "keep1-tokens")
	b.ReportMetric(100*float64(keep1)/float64(naive), "keep1-%")
}
