package bot

import (
	"context"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/fixflow"
)

// onBlockActions hands clicks on proposal buttons to the fix workflow,
// each in its own goroutine tracked by Run. An approval in a direct
// message, where nobody else sees the change, is refused unless
// DMApprovals allows it.
func (b *Bot) onBlockActions(ctx context.Context, cb slack.InteractionCallback) {
	for _, d := range decisions(cb) {
		if d.Approve && isDM(d.Channel) && !b.cfg.DMApprovals {
			b.metrics.Approvals.WithLabelValues("Refused").Inc()
			b.async(func() {
				b.ephemeral(ctx, d.Channel, d.User, cb.Container.ThreadTs, "Approvals are not taken in direct messages: approve in a channel where others can see it. Nothing was changed.")
			})
			continue
		}
		b.async(func() { b.fixes.Decide(ctx, d) })
	}
}

// decisions are the Approve and Reject clicks of a block_actions payload.
func decisions(cb slack.InteractionCallback) []fixflow.Decision {
	var out []fixflow.Decision
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil || (a.ActionID != actionApprove && a.ActionID != actionReject) || a.Value == "" || cb.User.ID == "" {
			continue
		}
		d := fixflow.Decision{Proposal: a.Value, User: cb.User.ID, Approve: a.ActionID == actionApprove,
			Message: cb.Container.MessageTs, Channel: cb.Channel.ID}
		if d.Channel == "" {
			d.Channel = cb.Container.ChannelID
		}
		out = append(out, d)
	}
	return out
}

func (b *Bot) ephemeral(ctx context.Context, channel, user, thread, text string) {
	opts := append([]slack.MsgOption{slack.MsgOptionText(text, false)}, noUnfurl...)
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	if _, err := b.api.PostEphemeralContext(ctx, channel, user, opts...); err != nil {
		b.log.Warn("post ephemeral", zap.Error(err))
	}
}
