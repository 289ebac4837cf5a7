package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
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
	if why := b.refusal(ctx, user, rec, approve); why != "" {
		log.Warn("click refused", zap.String("why", why))
		b.metrics.Approvals.WithLabelValues("Refused").Inc()
		b.ephemeral(ctx, channel, user, rec.ThreadTS, why)
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
		b.audit(ctx, fixer.FixRejected, rec, p.Preview, user, fixer.Identity{}, "not applied", "")
		b.decided(ctx, rec, p, fmt.Sprintf(":no_entry_sign: Rejected by <@%s> at %s. Nothing was changed.", user, stamp()))
		b.enqueue(ctx, key, job{kind: jobNote, text: fmt.Sprintf("The user <@%s> REJECTED proposal %s (%s on %s); it was not applied. Do not propose the same change again; ask what they prefer or look for another cause.", user, id, p.Preview.Fix.Operation, p.Preview.Fix.Target)})
		return
	}
	if time.Since(rec.CreatedAt) > b.cfg.ProposalTTL {
		expired := fmt.Sprintf(":hourglass: Expired: proposals can be approved for %s. Nothing was changed. Ask me to propose it again for a fresh preview.", b.cfg.ProposalTTL)
		if ok, _ := b.store.Transition(ctx, id, store.Pending, store.Failed, user); ok {
			b.decided(ctx, rec, p, expired)
		}
		b.ephemeral(ctx, channel, user, rec.ThreadTS, fmt.Sprintf("Proposal %s has expired and was not applied. Reply in the thread with \"propose it again\" and I will preview it afresh.", id))
		return
	}
	as, mapped := b.identity(user)
	if !mapped {
		log.Warn("refused: approver has no Kubernetes identity")
		b.ephemeral(ctx, channel, user, rec.ThreadTS, unmapped(user))
		return
	}
	if ok, err := b.store.Transition(ctx, id, store.Pending, store.Applying, user); err != nil || !ok {
		b.ephemeral(ctx, channel, user, rec.ThreadTS, "This proposal is already being applied or was decided.")
		return
	}
	b.applyApproved(ctx, rec, p, user, as)
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
