package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/fixflow"
	"github.com/kubertnetes/kubertnetes/metrics"
)

// slackFixes presents the fix workflow in Slack: a proposal is a message
// with Approve/Reject buttons, each outcome updates that message in place
// and is said in the thread, refusals are ephemeral, and notes reach the
// thread's conversation in order with its questions.
type slackFixes struct{ b *Bot }

var _ fixflow.Presenter = slackFixes{}

// Offer posts the proposal's whole diff and then its buttons; clicks name
// their message themselves, so its ts need not be recorded. A proposal
// whose diff is too large to read in Slack is not offered: the thread and
// the model are told why, no buttons are ever shown for it, and the
// workflow withdraws it.
func (p slackFixes) Offer(ctx context.Context, r fixflow.Record) error {
	view, err := renderProposal(r.Change)
	if err != nil {
		p.b.reply(ctx, r.Channel, r.ThreadTS, fmt.Sprintf(":no_entry_sign: I did not offer proposal %s: %v. Nothing was changed, and it cannot be approved.", r.ID, err))
		p.Note(ctx, r.Conversation, fmt.Sprintf("Proposal %s was not offered and cannot be approved: %v.", r.ID, err))
		return fmt.Errorf("%w: %w", fixflow.ErrNotShown, err)
	}
	// Every part of the diff is posted before the buttons: if one cannot
	// be, the buttons are not offered.
	for i, m := range view.parts {
		if ts := p.b.postBlocks(ctx, r.Channel, r.ThreadTS, m.text, m.blocks); ts == "" {
			return fmt.Errorf("post diff part %d of proposal %s to %s", i+1, r.ID, r.Channel)
		}
	}
	if ts := p.b.postBlocks(ctx, r.Channel, r.ThreadTS, view.proposal.text, view.proposal.blocks); ts == "" {
		return fmt.Errorf("post proposal %s to %s", r.ID, r.Channel)
	}
	return nil
}

// Report updates the proposal message with the outcome and says it in
// the thread.
func (p slackFixes) Report(ctx context.Context, r fixflow.Record, rep fixflow.Report) {
	b := p.b
	who := "<@" + rep.By + ">"
	done := ""
	if len(rep.Applied) > 0 {
		done = fmt.Sprintf(":white_check_mark: Applied by %s at %s as %s", who, rep.At.UTC().Format(time.RFC3339), rep.As)
	}
	switch rep.Stage {
	case fixflow.Rejected:
		b.decided(ctx, r, fmt.Sprintf(":no_entry_sign: Rejected by %s at %s. Nothing was changed.", who, rep.At.UTC().Format("15:04:05 UTC")))
	case fixflow.Expired:
		b.decided(ctx, r, fmt.Sprintf(":hourglass: Expired: proposals can be approved for %s. Nothing was changed. Ask me to propose it again for a fresh preview.", rep.TTL))
	case fixflow.Applying:
		b.decided(ctx, r, fmt.Sprintf(":hourglass_flowing_sand: Approved by %s; applying as %s…", who, rep.As))
	case fixflow.Failed:
		not := "not applied"
		if len(rep.Applied) > 0 {
			not = "not fully applied"
		}
		msg := fmt.Sprintf(":x: Approved by %s but %s: %s", who, not, inert(rep.Err))
		switch {
		case rep.Conflict && rep.Next != nil:
			msg += " Here is a fresh preview of the same fix against the object as it is now."
		case rep.Conflict:
			msg += " Ask me to propose it again."
		case rep.Next != nil:
			msg += " Here is the rollback of the steps that were applied."
		}
		b.decided(ctx, r, msg)
		b.reply(ctx, r.Channel, r.ThreadTS, msg)
		if rep.NextErr != "" {
			b.reply(ctx, r.Channel, r.ThreadTS, ":warning: "+inert(rep.NextErr))
		}
	case fixflow.Applied:
		b.decided(ctx, r, done+" — verifying…")
		b.reply(ctx, r.Channel, r.ThreadTS, fmt.Sprintf("%s (%s). Verifying…", done, fixflow.Versions(rep.Applied)))
	case fixflow.Verified:
		v := rep.Verification
		b.decided(ctx, r, done+" — verified ✅")
		b.reply(ctx, r.Channel, r.ThreadTS, fmt.Sprintf(":white_check_mark: Verified after %s: %s.", v.Elapsed.Round(time.Second), inert(v.Summary())))
	case fixflow.NotVerified:
		v := rep.Verification
		b.decided(ctx, r, done+" — not verified: "+inert(v.Summary()))
		b.reply(ctx, r.Channel, r.ThreadTS, fmt.Sprintf(":warning: Not verified after %s; still wrong:\n• %s", v.Elapsed.Round(time.Second), inert(strings.Join(v.Problems, "\n• "))))
		if rep.NextErr != "" {
			b.reply(ctx, r.Channel, r.ThreadTS, ":information_source: No rollback offered: "+inert(rep.NextErr))
		}
	case fixflow.Unverified:
		// Verification stops when the bot shuts down: say so while Slack
		// can still be reached.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		b.decided(ctx, r, done+" — verification stopped before a result (the fix stays applied)")
	case fixflow.NotOffered:
		b.reply(ctx, r.Channel, r.ThreadTS, ":warning: "+inert(rep.Err))
	case fixflow.Interrupted:
		// Said at start too, and after a shutdown began: Slack may still
		// be reached when the decision's context is gone.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		msg := fmt.Sprintf(":warning: Approved by %s; %s", who, inert(rep.Err))
		b.decided(ctx, r, msg)
		b.reply(ctx, r.Channel, r.ThreadTS, msg)
	}
}

// Refuse tells the clicker privately; nothing was changed.
func (p slackFixes) Refuse(ctx context.Context, d fixflow.Decision, r fixflow.Record, why string) {
	p.b.metrics.Approvals.WithLabelValues("Refused").Inc()
	channel := d.Channel
	if channel == "" {
		channel = r.Channel
	}
	p.b.ephemeral(ctx, channel, d.User, r.ThreadTS, why)
}

// Note appends the fact to the thread's conversation, in order with its
// questions.
func (p slackFixes) Note(ctx context.Context, conversation, text string) {
	p.b.enqueue(ctx, conversation, job{kind: jobNote, text: text})
}

// countingAuditor counts each step of a fix, then records it.
type countingAuditor struct {
	next    fixflow.Auditor
	metrics *metrics.Metrics
}

func (a countingAuditor) Record(ctx context.Context, r fixflow.AuditRecord) {
	a.metrics.Approvals.WithLabelValues(string(r.Reason)).Inc()
	if a.next != nil {
		a.next.Record(ctx, r)
	}
}

// propose offers a proposal the agent made in its thread.
func (b *Bot) propose(ctx context.Context, key string, j job, p agent.Proposal) {
	at := fixflow.Place{Conversation: key, Channel: j.channel, Thread: j.root, Requester: j.user}
	err := b.fixes.Propose(ctx, at, p)
	switch {
	case errors.Is(err, fixflow.ErrNotShown):
		b.log.Info("proposal not offered", zap.String("proposal", p.ID), zap.Error(err))
	case err != nil:
		b.log.Error("offer proposal", zap.String("proposal", p.ID), zap.Error(err))
		b.reply(ctx, j.channel, j.root, fmt.Sprintf(":warning: I could not record or show proposal %s, so it cannot be approved. Ask me again in a moment.", p.ID))
	}
}

// decided updates the proposal message in place with the outcome.
func (b *Bot) decided(ctx context.Context, r fixflow.Record, outcome string) {
	if r.MessageTS == "" {
		return
	}
	m := renderDecided(r.Change, outcome)
	if err := b.update(ctx, r.Channel, r.MessageTS, slack.MsgOptionText(m.text, false), slack.MsgOptionBlocks(m.blocks...)); err != nil {
		b.log.Warn("update proposal message", zap.String("proposal", r.ID), zap.Error(err))
	}
}
