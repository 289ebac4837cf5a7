package bot

import (
	"context"
	"errors"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
)

// investigate answers one question in its thread: an immediate
// acknowledgement, a status message updated as tools run, findings and
// proposals as their own messages, then the answer. The conversation is
// checkpointed as it grows, so a restart keeps what was learnt.
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

	conv := b.loadConversation(ctx, key)
	run := &running{Question: j.text, Base: len(conv.Messages), Channel: j.channel, StatusTS: statusTS}
	b.checkpoint(ctx, key, conv, run)

	select { // bound investigations running at once
	case b.slots <- struct{}{}:
		defer func() { <-b.slots }()
	case <-ctx.Done():
		return
	}
	saved, before := len(conv.Messages), conv.Usage
	findings := b.newFindingPoster(j.channel, j.root)
	var shown error // the failure an ErrorEvent has explained
	// The brain calls emit one event at a time, never while it changes conv.
	emit := func(e agent.Event) {
		switch e := e.(type) {
		case agent.Progress:
			if e.Done {
				outcome := "ok"
				if e.Err != "" {
					outcome = "error"
				}
				b.metrics.ToolCalls.WithLabelValues(e.Tool, outcome).Inc()
				steps = append(steps, stepLine(e))
				b.updateStatus(ctx, j.channel, statusTS, steps, false)
			}
		case agent.FindingEvent:
			findings.add(ctx, e.Finding)
		case agent.ProposalEvent:
			b.propose(ctx, key, j, e.Proposal)
			run.Proposals = append(run.Proposals, e.Proposal.ID)
			saved = -1 // checkpoint now, with the proposal's id
		case agent.Answer:
			text, blocks := renderAnswer(e, conv.Usage, b.cfg.Price)
			b.postBlocks(ctx, j.channel, j.root, text, blocks)
		case agent.ErrorEvent:
			b.metrics.Errors.WithLabelValues("model").Inc()
			b.explain(ctx, log, j, e.Err)
			shown = e.Err
		}
		if len(conv.Messages) != saved {
			saved = len(conv.Messages)
			b.checkpoint(ctx, key, conv, run)
		}
	}
	err = b.brain.Ask(ctx, conv, j.text, emit)
	outcome := "answered"
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		outcome = "cancelled"
		log.Info("investigation cancelled")
	case err != nil:
		outcome = "error"
		if shown == nil || !errors.Is(err, shown) {
			b.explain(ctx, log, j, err)
		}
	}
	b.metrics.Investigations.WithLabelValues(outcome).Inc()
	b.metrics.LLMTokens.WithLabelValues("prompt").Add(float64(conv.Usage.PromptTokens - before.PromptTokens))
	b.metrics.LLMTokens.WithLabelValues("completion").Add(float64(conv.Usage.CompletionTokens - before.CompletionTokens))
	b.updateStatus(context.WithoutCancel(ctx), j.channel, statusTS, steps, true)
	b.saveConversation(context.WithoutCancel(ctx), key, conv)
}

// explain tells the thread why an investigation failed, in a sentence
// safe to show, and logs the full error under the same reference.
func (b *Bot) explain(ctx context.Context, log *zap.Logger, j job, err error) {
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return // stopped: the thread was told, or the bot is shutting down
	}
	ue := agent.Explain(err)
	log.Warn("investigation failed", zap.String("ref", ue.Ref), zap.Stringer("code", ue.Code), zap.Error(ue.Err))
	b.reply(ctx, j.channel, j.root, ":warning: "+inert(ue.Error()))
}

// setStatus shows "is investigating…" under the thread where Slack allows
// it. It is decoration: any error is logged and the investigation goes on.
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
