package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
)

// threadRecord is what the store keeps per thread: the agent's
// conversation and, while a question is being investigated, enough to
// tidy up if the process dies before it finishes.
type threadRecord struct {
	agent.Conversation
	Running *running `json:"running,omitempty"`
}

// running is an investigation in progress.
type running struct {
	Question string `json:"question"`
	// Base is how many messages the conversation had before the question.
	Base      int      `json:"base"`
	Channel   string   `json:"channel"`
	StatusTS  string   `json:"statusTs,omitempty"`
	Proposals []string `json:"proposals,omitempty"`
}

// loadConversation reads a thread's conversation. One whose investigation
// was cut short (the process died) is repaired first: see recoverRun.
func (b *Bot) loadConversation(ctx context.Context, key string) *agent.Conversation {
	var rec threadRecord
	data, err := b.store.Conversation(ctx, key)
	if err != nil {
		if !isNotFound(err) {
			b.log.Warn("load conversation", zap.String("thread", key), zap.Error(err))
		}
		return &agent.Conversation{}
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		b.log.Warn("decode conversation; starting afresh", zap.String("thread", key), zap.Error(err))
		return &agent.Conversation{}
	}
	if rec.Running != nil {
		b.recoverRun(ctx, key, &rec)
	}
	return &rec.Conversation
}

// recoverRun finishes the record of an investigation the process did not
// live to finish: the question is kept, tool calls left without results
// get one saying so, the model is told, and the stale status message says
// what happened.
func (b *Bot) recoverRun(ctx context.Context, key string, rec *threadRecord) {
	r := rec.Running
	b.log.Info("recovering an interrupted investigation", zap.String("thread", key))
	rec.Repair(r.Question, r.Base)
	note := "The investigation of the question above was interrupted: kubertnetes restarted before it finished."
	if len(r.Proposals) > 0 {
		note += fmt.Sprintf(" Proposals posted before the restart (%s) can still be approved in the thread.", strings.Join(r.Proposals, ", "))
	}
	rec.Note(note)
	rec.Running = nil
	if r.StatusTS != "" {
		text := ":warning: Interrupted: kubertnetes restarted before this investigation finished."
		if err := b.update(ctx, r.Channel, r.StatusTS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(section(text))); err != nil {
			b.log.Debug("update interrupted status", zap.Error(err))
		}
	}
	b.saveConversation(ctx, key, &rec.Conversation)
}

// checkpoint saves a conversation in the middle of an investigation, so a
// restart keeps what was learnt so far.
func (b *Bot) checkpoint(ctx context.Context, key string, conv *agent.Conversation, r *running) {
	data, err := json.Marshal(threadRecord{Conversation: *conv, Running: r})
	if err == nil {
		err = b.store.SaveConversation(ctx, key, data)
	}
	if err != nil {
		b.log.Warn("checkpoint conversation", zap.String("thread", key), zap.Error(err))
	}
}

func (b *Bot) saveConversation(ctx context.Context, key string, conv *agent.Conversation) {
	data, err := json.Marshal(threadRecord{Conversation: *conv})
	if err == nil {
		err = b.store.SaveConversation(ctx, key, data)
	}
	if err != nil {
		b.log.Error("save conversation", zap.String("thread", key), zap.Error(err))
	}
}

// note appends a fact to a thread's conversation.
func (b *Bot) note(ctx context.Context, key, text string) {
	conv := b.loadConversation(ctx, key)
	conv.Note(text)
	b.saveConversation(ctx, key, conv)
}
