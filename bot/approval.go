package bot

import (
	"context"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/fixflow"
)

// onBlockActions hands clicks on proposal buttons to the fix workflow,
// each in its own goroutine tracked by Run.
func (b *Bot) onBlockActions(ctx context.Context, cb slack.InteractionCallback) {
	for _, a := range cb.ActionCallback.BlockActions {
		if a.ActionID != actionApprove && a.ActionID != actionReject {
			continue
		}
		d := fixflow.Decision{Proposal: a.Value, User: cb.User.ID, Approve: a.ActionID == actionApprove,
			Message: cb.Container.MessageTs, Channel: cb.Channel.ID}
		if d.Channel == "" {
			d.Channel = cb.Container.ChannelID
		}
		b.async(func() { b.fixes.Decide(ctx, d) })
	}
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
