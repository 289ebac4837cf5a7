package openaitest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	openai "github.com/sashabaranov/go-openai"

	"github.com/kubertnetes/kubertnetes/internal/openaitest"
)

// ask sends one user message and returns the response and error as go-openai
// reports them.
func ask(t *testing.T, c *openai.Client, text string) (openai.ChatCompletionResponse, error) {
	t.Helper()
	return c.CreateChatCompletion(t.Context(), openai.ChatCompletionRequest{
		Model:    openaitest.DefaultModel,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: text}},
	})
}

func TestTextReply(t *testing.T) {
	srv := openaitest.New(t)
	srv.Script(openaitest.Text("The pod is crash-looping."))

	resp, err := ask(t, srv.Client(), "why is checkout down?")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if len(resp.Choices) != 1 {
		t.Fatalf("got %d choices, want 1", len(resp.Choices))
	}
	got := resp.Choices[0]
	want := openai.ChatCompletionChoice{
		Message:      openai.ChatCompletionMessage{Role: "assistant", Content: "The pod is crash-looping."},
		FinishReason: openai.FinishReasonStop,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("choice mismatch (-want +got):\n%s", diff)
	}
	// "why is checkout down?" = 4 words + "?"; the reply = 5 words + "-" + ".".
	wantUsage := openai.Usage{PromptTokens: 5, CompletionTokens: 7, TotalTokens: 12}
	if diff := cmp.Diff(wantUsage, resp.Usage); diff != "" {
		t.Errorf("usage mismatch (-want +got):\n%s", diff)
	}
	if resp.Model != openaitest.DefaultModel {
		t.Errorf("model = %q, want %q", resp.Model, openaitest.DefaultModel)
	}
	req := srv.LastRequest()
	if got, want := req.Header.Get("Authorization"), "Bearer "+openaitest.DefaultAPIKey; got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	if req.Path != "/v1/chat/completions" {
		t.Errorf("path = %q, want /v1/chat/completions", req.Path)
	}
}

func TestParallelToolCalls(t *testing.T) {
	srv := openaitest.New(t)
	srv.Script(openaitest.Calls(
		openaitest.Call("get_pods", `{"namespace":"shop"}`),
		openaitest.ToolCall{ID: "call_custom", Name: "get_events", Arguments: `{"namespace":"shop","limit":5}`},
	))

	resp, err := ask(t, srv.Client(), "why is checkout down?")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	want := []openai.ToolCall{
		{ID: "call_1_0", Type: openai.ToolTypeFunction,
			Function: openai.FunctionCall{Name: "get_pods", Arguments: `{"namespace":"shop"}`}},
		{ID: "call_custom", Type: openai.ToolTypeFunction,
			Function: openai.FunctionCall{Name: "get_events", Arguments: `{"namespace":"shop","limit":5}`}},
	}
	if diff := cmp.Diff(want, resp.Choices[0].Message.ToolCalls); diff != "" {
		t.Errorf("tool calls mismatch (-want +got):\n%s", diff)
	}
	if got := resp.Choices[0].FinishReason; got != openai.FinishReasonToolCalls {
		t.Errorf("finish_reason = %q, want tool_calls", got)
	}
}

func TestToolResultsRecorded(t *testing.T) {
	srv := openaitest.New(t)
	srv.Script(
		openaitest.Calls(openaitest.Call("get_pods", `{}`), openaitest.Call("get_events", `{}`)),
		openaitest.Text("done"),
	)
	c := srv.Client()
	msgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "look"}}
	resp, err := c.CreateChatCompletion(t.Context(), openai.ChatCompletionRequest{Model: "m", Messages: msgs})
	if err != nil {
		t.Fatalf("first turn: %v", err)
	}
	assistant := resp.Choices[0].Message
	msgs = append(msgs, assistant)
	for i, call := range assistant.ToolCalls {
		msgs = append(msgs, openai.ChatCompletionMessage{
			Role: openai.ChatMessageRoleTool, ToolCallID: call.ID, Content: fmt.Sprintf("result %d", i),
		})
	}
	if _, err := c.CreateChatCompletion(t.Context(), openai.ChatCompletionRequest{Model: "m", Messages: msgs}); err != nil {
		t.Fatalf("second turn: %v", err)
	}

	if got := srv.RequestCount(); got != 2 {
		t.Fatalf("RequestCount = %d, want 2", got)
	}
	req := srv.LastRequest()
	want := []openai.ChatCompletionMessage{
		{Role: "tool", ToolCallID: "call_1_0", Content: "result 0"},
		{Role: "tool", ToolCallID: "call_1_1", Content: "result 1"},
	}
	if diff := cmp.Diff(want, req.ToolResults()); diff != "" {
		t.Errorf("tool results mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(assistant.ToolCalls, req.Messages[1].ToolCalls); diff != "" {
		t.Errorf("echoed assistant tool calls mismatch (-want +got):\n%s", diff)
	}
	if got, want := req.AllText(), "look\nget_pods\n{}\nget_events\n{}\nresult 0\nresult 1"; got != want {
		t.Errorf("AllText = %q, want %q", got, want)
	}
}

func TestMalformedToolArgumentsVerbatim(t *testing.T) {
	srv := openaitest.New(t)
	const args = `{"namespace": "shop", "name": ` // cut off mid-object
	srv.Script(openaitest.Calls(openaitest.Call("get_pods", args)))

	resp, err := ask(t, srv.Client(), "hi")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if got := resp.Choices[0].Message.ToolCalls[0].Function.Arguments; got != args {
		t.Errorf("arguments = %q, want %q", got, args)
	}
}

func TestRespondAfterScript(t *testing.T) {
	srv := openaitest.New(t)
	srv.Script(openaitest.Text("scripted"))
	srv.Respond(func(r openaitest.Request) openaitest.Reply {
		return openaitest.Text("echo: " + r.Messages[len(r.Messages)-1].Content)
	})
	c := srv.Client()

	var got []string
	for _, q := range []string{"one", "two", "three"} {
		resp, err := ask(t, c, q)
		if err != nil {
			t.Fatalf("ask %q: %v", q, err)
		}
		got = append(got, resp.Choices[0].Message.Content)
	}
	if diff := cmp.Diff([]string{"scripted", "echo: two", "echo: three"}, got); diff != "" {
		t.Errorf("replies mismatch (-want +got):\n%s", diff)
	}
}

func TestConcurrentRequests(t *testing.T) {
	srv := openaitest.New(t)
	srv.Respond(func(r openaitest.Request) openaitest.Reply { return openaitest.Text(r.Messages[0].Content) })
	c := srv.Client()

	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := ask(t, c, fmt.Sprint(i))
			if err == nil && resp.Choices[0].Message.Content != fmt.Sprint(i) {
				err = fmt.Errorf("reply %q to request %d", resp.Choices[0].Message.Content, i)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	if got := len(srv.Requests()); got != n {
		t.Errorf("len(Requests()) = %d, want %d", got, n)
	}
}

func TestUsageCountsTools(t *testing.T) {
	srv := openaitest.New(t)
	srv.Script(openaitest.Calls(openaitest.Call("get_pods", `{"ns":"a"}`)))
	resp, err := srv.Client().CreateChatCompletion(t.Context(), openai.ChatCompletionRequest{
		Model:    "m",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}},
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: "get_pods", Description: "List pods.", Parameters: map[string]any{"type": "object"},
		}}},
	})
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	// Prompt: "hi" 1, "get_pods" 3, "List pods." 3, {"type":"object"} 9.
	// Completion: "get_pods" 3, {"ns":"a"} 9.
	want := openai.Usage{PromptTokens: 16, CompletionTokens: 12, TotalTokens: 28}
	if diff := cmp.Diff(want, resp.Usage); diff != "" {
		t.Errorf("usage mismatch (-want +got):\n%s", diff)
	}
}

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"   ", 0},
		{"hello", 1},
		{"kubectl get pods -n default", 6},
		{`{"a":1}`, 7},
		{"naïve café 42", 3},
		{"get_pods", 3},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := openaitest.EstimateTokens(tt.in); got != tt.want {
				t.Errorf("EstimateTokens(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestAllTextIncludesMultiContent(t *testing.T) {
	r := openaitest.Request{ChatCompletionRequest: openai.ChatCompletionRequest{
		Messages: []openai.ChatCompletionMessage{
			{Role: "system", Content: "be brief"},
			{Role: "user", MultiContent: []openai.ChatMessagePart{{Type: "text", Text: "token=hunter2"}}},
		},
	}}
	if got := r.AllText(); !strings.Contains(got, "hunter2") || !strings.Contains(got, "be brief") {
		t.Errorf("AllText = %q, want both message texts", got)
	}
}
