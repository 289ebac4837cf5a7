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
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/store"
)

// onBlockActions handles clicks on proposal buttons, each in its own
// goroutine tracked by Run.
func (b *Bot) onBlockActions(ctx context.Context, cb slack.InteractionCallback) {
	for _, a := range cb.ActionCallback.BlockActions {
		if a.ActionID != actionApprove && a.ActionID != actionReject {
			continue
		}
		c := click{user: cb.User.ID, channel: cb.Channel.ID, messageTS: cb.Container.MessageTs, approve: a.ActionID == actionApprove, proposal: a.Value}
		if c.channel == "" {
			c.channel = cb.Container.ChannelID
		}
		b.async(func() { b.decide(ctx, c) })
	}
}

// click is one press of Approve or Reject.
type click struct {
	user, channel, messageTS string
	approve                  bool
	proposal                 string
}

// decide applies or rejects a proposal for a click.
func (b *Bot) decide(ctx context.Context, c click) {
	user, channel, approve, id := c.user, c.channel, c.approve, c.proposal
	log := b.log.With(zap.String("proposal", id), zap.String("user", user), zap.Bool("approve", approve))
	rec, err := b.store.Proposal(ctx, id)
	if err != nil {
		log.Warn("click on unknown proposal", zap.Error(err))
		b.ephemeral(ctx, channel, user, "", fmt.Sprintf("I have no record of proposal %s; ask me again and I will propose a fresh fix.", id))
		return
	}
	if channel == "" {
		channel = rec.Channel
	}
	if c.messageTS != "" {
		rec.MessageTS = c.messageTS
	}
	if !b.isApprover(user) {
		log.Warn("refused: not an approver")
		b.ephemeral(ctx, channel, user, rec.ThreadTS, "You are not allowed to approve or reject fixes. Ask one of the approvers listed in KUBERTNETES_APPROVERS. Nothing was changed.")
		return
	}
	if rec.State != store.Pending {
		b.ephemeral(ctx, channel, user, rec.ThreadTS, fmt.Sprintf("Proposal %s is already %s%s.", id, rec.State, by(rec.DecidedBy)))
		return
	}
	var p agent.Proposal
	if err := json.Unmarshal(rec.Preview, &p); err != nil {
		log.Error("decode stored proposal", zap.Error(err))
		b.ephemeral(ctx, channel, user, rec.ThreadTS, "This proposal's record is damaged; ask me to propose the fix again.")
		return
	}
	key := rec.Conversation
	if !approve {
		if ok, err := b.store.Transition(ctx, id, store.Pending, store.Rejected, user); err != nil || !ok {
			b.ephemeral(ctx, channel, user, rec.ThreadTS, "Someone else decided on this proposal first.")
			return
		}
		log.Info("fix rejected")
		b.decided(ctx, rec, p, fmt.Sprintf(":no_entry_sign: Rejected by <@%s> at %s. Nothing was changed.", user, stamp()))
		b.enqueue(ctx, key, job{kind: jobNote, text: fmt.Sprintf("The user <@%s> REJECTED proposal %s (%s on %s); it was not applied. Do not propose the same change again; ask what they prefer or look for another cause.", user, id, p.Preview.Fix.Operation, p.Preview.Fix.Target)})
		return
	}
	if time.Since(rec.CreatedAt) > b.cfg.ProposalTTL {
		if ok, _ := b.store.Transition(ctx, id, store.Pending, store.Failed, user); ok {
			b.decided(ctx, rec, p, fmt.Sprintf(":hourglass: Expired: proposals can be approved for %s. Nothing was changed. Ask me to propose it again for a fresh preview.", b.cfg.ProposalTTL))
		}
		return
	}
	if ok, err := b.store.Transition(ctx, id, store.Pending, store.Applying, user); err != nil || !ok {
		b.ephemeral(ctx, channel, user, rec.ThreadTS, "This proposal is already being applied or was decided.")
		return
	}
	if b.applier == nil {
		_, _ = b.store.Transition(ctx, id, store.Applying, store.Failed, user)
		b.decided(ctx, rec, p, ":warning: kubertnetes has no fixer configured, so nothing was applied.")
		return
	}
	log.Info("fix approved; applying")
	b.decided(ctx, rec, p, fmt.Sprintf(":hourglass_flowing_sand: Approved by <@%s>; applying…", user))
	applied, err := b.applier.Apply(ctx, p.Preview)
	if err != nil {
		_, _ = b.store.Transition(ctx, id, store.Applying, store.Failed, user)
		log.Warn("apply failed", zap.Error(err))
		msg := fmt.Sprintf(":x: Approved by <@%s> but not applied: %v", user, err)
		if errors.Is(err, kube.ErrConflict) {
			msg += " Ask me to propose it again."
		}
		b.decided(ctx, rec, p, msg)
		b.reply(ctx, rec.Channel, rec.ThreadTS, msg)
		return
	}
	_, _ = b.store.Transition(ctx, id, store.Applying, store.Applied, user)
	msg := fmt.Sprintf(":white_check_mark: Applied by <@%s> at %s (%s is now at resourceVersion %s).", user, applied.At.UTC().Format(time.RFC3339), p.Preview.Fix.Target, applied.ResourceVersion)
	log.Info("fix applied", zap.String("resource_version", applied.ResourceVersion))
	b.decided(ctx, rec, p, msg)
	b.reply(ctx, rec.Channel, rec.ThreadTS, msg)
	b.enqueue(ctx, key, job{kind: jobNote, text: fmt.Sprintf("The user <@%s> approved proposal %s and it was APPLIED to %s.", user, id, p.Preview.Fix.Target)})
}

// decided updates the proposal message in place with the outcome.
func (b *Bot) decided(ctx context.Context, rec store.Proposal, p agent.Proposal, outcome string) {
	if rec.MessageTS == "" {
		return
	}
	text, blocks := renderDecided(p, outcome)
	if err := b.update(ctx, rec.Channel, rec.MessageTS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err != nil {
		b.log.Warn("update proposal message", zap.String("proposal", rec.ID), zap.Error(err))
	}
}

func (b *Bot) ephemeral(ctx context.Context, channel, user, thread, text string) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	if _, err := b.api.PostEphemeralContext(ctx, channel, user, opts...); err != nil {
		b.log.Warn("post ephemeral", zap.Error(err))
	}
}

func by(user string) string {
	if user == "" {
		return ""
	}
	return fmt.Sprintf(" (by <@%s>)", user)
}

func stamp() string { return time.Now().UTC().Format("15:04:05 UTC") }
