package agent

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sashabaranov/go-openai"
)

// These tests need no cluster.

func TestRepairPairsEveryToolCallAndKeepsTheQuestion(t *testing.T) {
	user := func(s string) openai.ChatCompletionMessage {
		return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: s}
	}
	calls := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, ToolCalls: []openai.ToolCall{
		{ID: "call_1", Function: openai.FunctionCall{Name: "logs"}}, {ID: "call_2", Function: openai.FunctionCall{Name: "events"}},
	}}
	result := func(id, name string) openai.ChatCompletionMessage {
		return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: id, Name: name,
			Content: "no result: the investigation was interrupted before this call finished"}
	}
	answered := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: "web is out of memory"}
	tests := []struct {
		name string
		msgs []openai.ChatCompletionMessage
		base int
		want []openai.ChatCompletionMessage
	}{
		{"died before the question was recorded", []openai.ChatCompletionMessage{user("earlier")}, 1,
			[]openai.ChatCompletionMessage{user("earlier"), user("why?")}},
		{"died before anything was recorded in a new thread", nil, 0,
			[]openai.ChatCompletionMessage{user("why?")}},
		{"died while tools ran", []openai.ChatCompletionMessage{user("why?"), calls}, 0,
			[]openai.ChatCompletionMessage{user("why?"), calls, result("call_1", "logs"), result("call_2", "events")}},
		{"died waiting for the model", []openai.ChatCompletionMessage{user("why?"), calls, result("call_1", "logs"), result("call_2", "events")}, 0,
			[]openai.ChatCompletionMessage{user("why?"), calls, result("call_1", "logs"), result("call_2", "events")}},
		{"died after the answer", []openai.ChatCompletionMessage{user("why?"), answered}, 0,
			[]openai.ChatCompletionMessage{user("why?"), answered}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conv := Conversation{Messages: tt.msgs}
			conv.Repair("why?", tt.base)
			if diff := cmp.Diff(tt.want, conv.Messages); diff != "" {
				t.Errorf("repaired (-want +got):\n%s", diff)
			}
		})
	}
}
