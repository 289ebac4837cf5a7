package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// place is where a proposal lives: its conversation and thread, and who
// asked the question that led to it.
type place struct {
	conversation, channel, thread, requester string
}

func placeOf(rec store.Proposal) place {
	return place{conversation: rec.Conversation, channel: rec.Channel, thread: rec.ThreadTS, requester: rec.Requester}
}

// offer records a proposal, then posts it with its buttons. The record is
// saved once, before the buttons exist, so a click can never find it
// missing; clicks name their message themselves.
func (b *Bot) offer(ctx context.Context, at place, p agent.Proposal) {
	data, err := json.Marshal(p)
	if err != nil {
		b.log.Error("encode proposal", zap.Error(err))
		return
	}
	rec := store.Proposal{ID: p.ID, Conversation: at.conversation, Channel: at.channel, ThreadTS: at.thread, Requester: at.requester, Preview: data, State: store.Pending, CreatedAt: time.Now()}
	if err := b.store.SaveProposal(ctx, rec); err != nil {
		b.reply(ctx, at.channel, at.thread, fmt.Sprintf(":warning: I could not record proposal %s, so it cannot be approved: %v", p.ID, err))
		return
	}
	b.audit(ctx, fixer.FixProposed, rec, p.Preview, "", fixer.Identity{}, "awaiting approval", "")
	text, blocks := renderProposal(p)
	b.postBlocks(ctx, at.channel, at.thread, text, blocks)
}

// identity is who an approver's fixes are applied as: the Kubernetes
// identity KUBERTNETES_IMPERSONATE maps them to, or the fixer's own when
// no mapping is configured. ok is false for an approver without a mapping.
func (b *Bot) identity(user string) (id fixer.Identity, ok bool) {
	if b.cfg.Impersonate == nil {
		return fixer.Identity{}, true
	}
	id, ok = b.cfg.Impersonate[user]
	return id, ok
}

// unmapped is what an approver without a Kubernetes identity is told.
func unmapped(user string) string {
	return fmt.Sprintf("Fixes are applied as the approver's own Kubernetes identity, and you (%s) have none: KUBERTNETES_IMPERSONATE does not map your Slack id. Nothing was changed; ask an admin to add you, or another approver to decide.", user)
}

// audit records a step of a fix; the Auditor logs its own failures.
func (b *Bot) audit(ctx context.Context, reason fixer.AuditReason, rec store.Proposal, pv kube.Preview, decidedBy string, as fixer.Identity, result string, uid types.UID) {
	b.metrics.Approvals.WithLabelValues(string(reason)).Inc()
	if b.auditor == nil {
		return
	}
	r := fixer.AuditRecord{Reason: reason, Proposal: rec.ID, Preview: pv, UID: uid, As: as, Result: result}
	if rec.Requester != "" {
		r.RequestedBy = "slack:" + rec.Requester
	}
	if decidedBy != "" {
		r.DecidedBy = "slack:" + decidedBy
	}
	b.auditor.Record(ctx, r)
}

// applyApproved applies a proposal an approver approved (its state is
// Applying), as their identity, then verifies it: the proposal message
// and the thread say what happened, each step is audited, a conflict
// brings a fresh preview and a failed verification a rollback proposal.
func (b *Bot) applyApproved(ctx context.Context, rec store.Proposal, p agent.Proposal, user string, as fixer.Identity) {
	log := b.log.With(zap.String("proposal", rec.ID), zap.String("user", user), zap.String("as", as.String()))
	if b.applier == nil {
		_, _ = b.store.Transition(ctx, rec.ID, store.Applying, store.Failed, user)
		b.decided(ctx, rec, p, ":warning: kubertnetes has no fixer configured, so nothing was applied.")
		return
	}
	log.Info("fix approved; applying")
	b.audit(ctx, fixer.FixApproved, rec, p.Preview, user, as, "applying", "")
	b.decided(ctx, rec, p, fmt.Sprintf(":hourglass_flowing_sand: Approved by <@%s>; applying as %s…", user, as))
	applied, err := b.applier.Apply(ctx, p.Preview, as)
	if err != nil {
		_, _ = b.store.Transition(ctx, rec.ID, store.Applying, store.Failed, user)
		log.Warn("apply failed", zap.Error(err))
		b.audit(ctx, fixer.FixFailed, rec, p.Preview, user, as, err.Error(), "")
		msg := fmt.Sprintf(":x: Approved by <@%s> but not applied: %v", user, err)
		conflict := errors.Is(err, fixer.ErrConflict)
		if conflict && b.verify != nil {
			msg += " Here is a fresh preview of the same fix against the object as it is now."
		} else if conflict {
			msg += " Ask me to propose it again."
		}
		b.decided(ctx, rec, p, msg)
		b.reply(ctx, rec.Channel, rec.ThreadTS, msg)
		b.enqueue(ctx, rec.Conversation, job{kind: jobNote, text: fmt.Sprintf("Applying proposal %s (approved by <@%s>) FAILED and nothing was changed: %v", rec.ID, user, err)})
		if conflict && b.verify != nil {
			b.repropose(ctx, rec, p)
		}
		return
	}
	_, _ = b.store.Transition(ctx, rec.ID, store.Applying, store.Applied, user)
	log.Info("fix applied", zap.String("resource_version", applied.ResourceVersion))
	b.audit(ctx, fixer.FixApplied, rec, p.Preview, user, as, "resourceVersion "+applied.ResourceVersion, applied.UID)
	done := fmt.Sprintf(":white_check_mark: Applied by <@%s> at %s as %s", user, applied.At.UTC().Format(time.RFC3339), as)
	msg := fmt.Sprintf("%s (%s is now at resourceVersion %s).", done, p.Preview.Fix.Target, applied.ResourceVersion)
	if b.verify == nil {
		b.decided(ctx, rec, p, done+".")
		b.reply(ctx, rec.Channel, rec.ThreadTS, msg)
		b.enqueue(ctx, rec.Conversation, job{kind: jobNote, text: fmt.Sprintf("The user <@%s> approved proposal %s and it was APPLIED to %s.", user, rec.ID, p.Preview.Fix.Target)})
		return
	}
	b.decided(ctx, rec, p, done+" — verifying…")
	b.reply(ctx, rec.Channel, rec.ThreadTS, msg+" Verifying…")
	b.verifyApplied(ctx, rec, p, user, applied, done)
}

// verifyApplied watches the applied fix and reports the outcome; when it
// is not verified it offers the rollback.
func (b *Bot) verifyApplied(ctx context.Context, rec store.Proposal, p agent.Proposal, user string, applied fixer.Applied, done string) {
	v, err := b.verify.Verify(ctx, applied, b.cfg.Verify)
	if err != nil { // shutting down
		b.log.Info("verification stopped", zap.String("proposal", rec.ID), zap.Error(err))
		return
	}
	summary := v.Summary()
	if v.Verified {
		b.audit(ctx, fixer.FixVerified, rec, p.Preview, user, applied.As, summary, applied.UID)
		b.decided(ctx, rec, p, done+" — verified ✅")
		b.reply(ctx, rec.Channel, rec.ThreadTS, fmt.Sprintf(":white_check_mark: Verified after %s: %s.", v.Elapsed.Round(time.Second), summary))
		b.enqueue(ctx, rec.Conversation, job{kind: jobNote, text: fmt.Sprintf("The user <@%s> approved proposal %s; it was APPLIED to %s and VERIFIED: %s.", user, rec.ID, p.Preview.Fix.Target, summary)})
		return
	}
	b.audit(ctx, fixer.FixNotVerified, rec, p.Preview, user, applied.As, summary, applied.UID)
	b.decided(ctx, rec, p, done+" — not verified: "+summary)
	b.reply(ctx, rec.Channel, rec.ThreadTS, fmt.Sprintf(":warning: Not verified after %s; still wrong:\n• %s", v.Elapsed.Round(time.Second), strings.Join(v.Problems, "\n• ")))
	note := fmt.Sprintf("The user <@%s> approved proposal %s; it was APPLIED to %s but NOT VERIFIED: %s.", user, rec.ID, p.Preview.Fix.Target, summary)
	fix, err := fixer.Rollback(applied, v.Reason())
	if err == nil {
		var pv *kube.Preview
		if pv, err = b.verify.Preview(ctx, fix); err == nil {
			rb := agent.Proposal{ID: agent.NewID("fix"), Preview: *pv}
			b.offer(ctx, placeOf(rec), rb)
			note += fmt.Sprintf(" Rollback proposal %s was offered.", rb.ID)
		}
	}
	if err != nil {
		b.reply(ctx, rec.Channel, rec.ThreadTS, fmt.Sprintf(":information_source: No rollback offered: %v", err))
	}
	b.enqueue(ctx, rec.Conversation, job{kind: jobNote, text: note})
}

// repropose previews a fix again after its object changed, and offers it.
func (b *Bot) repropose(ctx context.Context, rec store.Proposal, p agent.Proposal) {
	fresh, err := b.verify.Repreview(ctx, p.Preview)
	if err != nil {
		b.reply(ctx, rec.Channel, rec.ThreadTS, fmt.Sprintf(":warning: I could not preview the fix again: %v", err))
		return
	}
	np := agent.Proposal{ID: agent.NewID("fix"), Preview: *fresh}
	b.offer(ctx, placeOf(rec), np)
	b.enqueue(ctx, rec.Conversation, job{kind: jobNote, text: fmt.Sprintf("Proposal %s was previewed again as %s because its object changed.", rec.ID, np.ID)})
}
