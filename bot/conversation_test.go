package bot

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sashabaranov/go-openai"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
	"github.com/kubertnetes/kubertnetes/store"
)

func TestRepairMessages(t *testing.T) {
	user := func(s string) openai.ChatCompletionMessage {
		return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: s}
	}
	calls := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, ToolCalls: []openai.ToolCall{
		{ID: "call_1", Function: openai.FunctionCall{Name: "logs"}}, {ID: "call_2", Function: openai.FunctionCall{Name: "events"}},
	}}
	result := func(id, name string) openai.ChatCompletionMessage {
		return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: id, Name: name, Content: "no result: kubertnetes restarted before this call finished"}
	}
	interrupted := user("[kubertnetes] The investigation of the question above was interrupted: kubertnetes restarted before it finished.")
	tests := []struct {
		name string
		msgs []openai.ChatCompletionMessage
		run  running
		want []openai.ChatCompletionMessage
	}{
		{"died before the question was recorded", []openai.ChatCompletionMessage{user("earlier")}, running{Question: "why?", Base: 1},
			[]openai.ChatCompletionMessage{user("earlier"), user("why?"), interrupted}},
		{"died while tools ran", []openai.ChatCompletionMessage{user("why?"), calls}, running{Question: "why?"},
			[]openai.ChatCompletionMessage{user("why?"), calls, result("call_1", "logs"), result("call_2", "events"), interrupted}},
		{"died after proposing", []openai.ChatCompletionMessage{user("why?")}, running{Question: "why?", Proposals: []string{"fix-1", "fix-2"}},
			[]openai.ChatCompletionMessage{user("why?"), user(interrupted.Content + " Proposals posted before the restart (fix-1, fix-2) can still be approved in the thread.")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := repairMessages(tt.msgs, &tt.run)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("repaired (-want +got):\n%s", diff)
			}
		})
	}
}

// crashable is a store that can "die": after crash it silently drops every
// write, as a killed process would never make them.
type crashable struct {
	store.Store
	dead atomic.Bool
}

func (c *crashable) crash() { c.dead.Store(true) }

func (c *crashable) SaveConversation(ctx context.Context, key string, data []byte) error {
	if c.dead.Load() {
		return nil
	}
	return c.Store.SaveConversation(ctx, key, data)
}

func (c *crashable) SaveProposal(ctx context.Context, p store.Proposal) error {
	if c.dead.Load() {
		return nil
	}
	return c.Store.SaveProposal(ctx, p)
}

func (c *crashable) Transition(ctx context.Context, id string, from, to store.State, by string) (bool, error) {
	if c.dead.Load() {
		return false, nil
	}
	return c.Store.Transition(ctx, id, from, to, by)
}

func (c *crashable) MarkSeen(ctx context.Context, id string) (bool, error) {
	if c.dead.Load() {
		return false, nil
	}
	return c.Store.MarkSeen(ctx, id)
}

func TestCrashMidInvestigationKeepsContextAndButtons(t *testing.T) {
	durable := store.NewMemory(store.Retention{})
	first := &crashable{Store: durable}
	cfg := Config{Approvers: []string{"UAPPROVE1"}}
	h := start(t, setup{cfg: cfg, store: first})
	h.brain.set(func(b *echoBrain) {
		b.delay = time.Minute // the model never answers before the crash
		b.before = func(q string, emit func(agent.Event)) { emit(agent.ProposalEvent{Proposal: proposal("fix-1", "web")}) }
	})
	root := h.slack.Mention("C1", "UHUMAN1", "why is web down?")
	prop := h.botMessage(t, "C1", root, "Proposed fix")
	status := h.botMessage(t, "C1", root, "Investigating")
	first.crash()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	// The same Slack, the same durable state, a new process.
	second := start(t, setup{cfg: cfg, fake: h.slack, store: durable})
	h.slack.ReplyInThread("C1", root, "UHUMAN1", "so what now?")
	got := second.waitAnswers(t, "C1", root, 1)
	// Remembered: the first question, and the note that it was interrupted.
	if want := `answer to "so what now?" (remembered 2)`; got[0] != want {
		t.Errorf("follow-up after the restart = %q, want %q", got[0], want)
	}
	h.slack.WaitForMessage(t, "C1", root, func(m slacktest.Message) bool {
		return m.TS == status.TS && strings.Contains(m.Text, "Interrupted")
	}, 10*time.Second)
	h.slack.ClickButton("C1", prop.TS, "UAPPROVE1", actionApprove)
	second.botMessage(t, "C1", root, "Applied by <@UAPPROVE1>")
	if n := second.applier.count(); n != 1 {
		t.Errorf("applied %d times after the restart, want 1", n)
	}
}
