package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/store"
)

// investigate answers one question in its thread: an immediate
// acknowledgement, a status message updated as tools run, findings and
// proposals as their own messages, then the answer.
func (b *Bot) investigate(ctx context.Context, key string, j job) {
	log := b.log.With(zap.String("thread", key), zap.String("user", j.user))
	if err := b.api.AddReactionContext(ctx, "eyes", slack.ItemRef{Channel: j.channel, Timestamp: j.ts}); err != nil && err.Error() != "already_reacted" {
		log.Debug("reaction", zap.Error(err))
	}
	b.setStatus(ctx, j.channel, j.root, "is investigating…")
	var steps []string
	statusText, statusBlocks := renderStatus(steps, false)
	statusTS, err := b.post(ctx, j.channel, slack.MsgOptionText(statusText, false), slack.MsgOptionBlocks(statusBlocks...), slack.MsgOptionTS(j.root))
	if err != nil {
		log.Error("post status", zap.Error(err))
	}

	select { // bound investigations running at once
	case b.slots <- struct{}{}:
		defer func() { <-b.slots }()
	case <-ctx.Done():
		return
	}

	conv := b.loadConversation(ctx, key)
	emit := func(e agent.Event) {
		switch e := e.(type) {
		case agent.Progress:
			if !e.Done {
				return
			}
			steps = append(steps, stepLine(e))
			b.updateStatus(ctx, j.channel, statusTS, steps, false)
		case agent.FindingEvent:
			text, blocks := renderFinding(e.Finding)
			b.postBlocks(ctx, j.channel, j.root, text, blocks)
		case agent.ProposalEvent:
			b.propose(ctx, key, j, e.Proposal)
		case agent.Answer:
			text, blocks := renderAnswer(e, conv.Usage)
			b.postBlocks(ctx, j.channel, j.root, text, blocks)
		case agent.ErrorEvent:
			b.reply(ctx, j.channel, j.root, ":warning: "+e.Err.Error())
		}
	}
	err = b.brain.Ask(ctx, conv, j.text, emit)
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		log.Info("investigation cancelled")
	case err != nil:
		log.Warn("investigation failed", zap.Error(err))
	}
	b.updateStatus(context.WithoutCancel(ctx), j.channel, statusTS, steps, true)
	b.saveConversation(context.WithoutCancel(ctx), key, conv)
}

func (b *Bot) loadConversation(ctx context.Context, key string) *agent.Conversation {
	conv := &agent.Conversation{}
	data, err := b.store.Conversation(ctx, key)
	if err != nil {
		if !isNotFound(err) {
			b.log.Warn("load conversation", zap.String("thread", key), zap.Error(err))
		}
		return conv
	}
	if err := json.Unmarshal(data, conv); err != nil {
		b.log.Warn("decode conversation; starting afresh", zap.String("thread", key), zap.Error(err))
		return &agent.Conversation{}
	}
	return conv
}

func (b *Bot) saveConversation(ctx context.Context, key string, conv *agent.Conversation) {
	data, err := json.Marshal(conv)
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

// propose stores a proposal, then posts it with its buttons.
func (b *Bot) propose(ctx context.Context, key string, j job, p agent.Proposal) {
	data, err := json.Marshal(p)
	if err != nil {
		b.log.Error("encode proposal", zap.Error(err))
		return
	}
	rec := store.Proposal{ID: p.ID, Conversation: key, Channel: j.channel, ThreadTS: j.root, Requester: j.user, Preview: data, State: store.Pending, CreatedAt: time.Now()}
	if err := b.store.SaveProposal(ctx, rec); err != nil {
		b.reply(ctx, j.channel, j.root, fmt.Sprintf(":warning: I could not record proposal %s, so it cannot be approved: %v", p.ID, err))
		return
	}
	// The record is saved once, before the buttons exist, so a click can
	// never find it missing; clicks name their message themselves.
	text, blocks := renderProposal(p)
	b.postBlocks(ctx, j.channel, j.root, text, blocks)
}

func (b *Bot) setStatus(ctx context.Context, channel, thread, status string) {
	err := b.api.SetAssistantThreadsStatusContext(ctx, slack.AssistantThreadsSetStatusParameters{ChannelID: channel, ThreadTS: thread, Status: status})
	if err != nil {
		b.log.Debug("assistant.threads.setStatus", zap.Error(err)) // not allowed everywhere; the status message still shows progress
	}
}

func (b *Bot) updateStatus(ctx context.Context, channel, ts string, steps []string, done bool) {
	if ts == "" {
		return
	}
	text, blocks := renderStatus(steps, done)
	if err := b.update(ctx, channel, ts, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err != nil {
		b.log.Warn("update status", zap.Error(err))
	}
}

func (b *Bot) postBlocks(ctx context.Context, channel, thread, text string, blocks []slack.Block) string {
	ts, err := b.post(ctx, channel, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...), slack.MsgOptionTS(thread))
	if err != nil {
		b.log.Error("post message", zap.String("channel", channel), zap.Error(err))
	}
	return ts
}

// post sends chat.postMessage, waiting out rate limits (Retry-After).
func (b *Bot) post(ctx context.Context, channel string, opts ...slack.MsgOption) (string, error) {
	var ts string
	err := b.retry(ctx, func() error {
		var err error
		_, ts, err = b.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ts, err
}

// update sends chat.update, waiting out rate limits.
func (b *Bot) update(ctx context.Context, channel, ts string, opts ...slack.MsgOption) error {
	return b.retry(ctx, func() error {
		_, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
}

func (b *Bot) retry(ctx context.Context, call func() error) error {
	const attempts = 5
	var err error
	for i := 0; i < attempts; i++ {
		err = call()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			return err
		}
		wait := rl.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		b.log.Info("Slack rate limit; waiting", zap.Duration("retry_after", wait))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return err
}
