package agent

import (
	"context"

	"github.com/sashabaranov/go-openai"
)

// Conversation is the memory of one thread: every message exchanged with
// the model except the system prompt, and what it cost. It is plain data,
// stored between questions so follow-ups continue where they left off.
type Conversation struct {
	Messages []openai.ChatCompletionMessage `json:"messages"`
	Usage    Usage                          `json:"usage"`
	// Runbook is the runbook chosen at the first question ("-" for none);
	// it stays for the whole thread so the prompt prefix never changes.
	Runbook string `json:"runbook,omitempty"`
}

// Note adds a fact the model should know on its next turn, such as a human
// rejecting a proposal.
func (c *Conversation) Note(text string) {
	c.Messages = append(c.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: "[kubertnetes] " + text})
}

// Repair makes a conversation whose investigation of question was cut
// short (the process died before Ask returned) valid to send to the model
// again. base is how many messages it had before the question: when the
// question itself was never recorded it is added, and every tool call left
// without its result gets one saying so, since the model's API refuses an
// assistant turn whose tool calls have no results. Add a Note afterwards to
// tell the model what happened.
func (c *Conversation) Repair(question string, base int) {
	if len(c.Messages) <= base {
		c.Messages = append(c.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: question})
	}
	last := c.Messages[len(c.Messages)-1]
	if last.Role != openai.ChatMessageRoleAssistant {
		return
	}
	for _, call := range last.ToolCalls {
		c.Messages = append(c.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: call.ID, Name: call.Function.Name,
			Content: "no result: the investigation was interrupted before this call finished"})
	}
}

// Brain answers questions about the cluster, emitting events as it goes.
// Ask returns after the final Answer (or an error) has been emitted.
type Brain interface {
	Name() string
	Ask(ctx context.Context, conv *Conversation, question string, emit func(Event)) error
}
