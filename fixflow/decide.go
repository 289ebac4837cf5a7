package fixflow

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// Decision is one person approving or rejecting one proposal.
type Decision struct {
	Proposal string
	User     string
	Approve  bool
	// Message is the message the decision was made on, when the front end
	// has one (Slack: the proposal message's ts); it is where reports go.
	Message string
	// Channel is where a refusal is shown, when it differs from the
	// proposal's (Slack: the channel the click came from).
	Channel string
}

// Decide takes a decision: it refuses what the rules do not allow, moves
// the proposal's state once (a second decision finds it moved), and for an
// approval applies the change, verifies it and offers what follows. It
// returns when the outcome is known and reported.
func (w *Workflow) Decide(ctx context.Context, d Decision) {
	log := w.d.Log.With(zap.String("proposal", d.Proposal), zap.String("user", d.User), zap.Bool("approve", d.Approve))
	rec, err := w.load(ctx, d.Proposal)
	switch {
	case errors.Is(err, store.ErrNotFound):
		log.Warn("decision on an unknown proposal")
		w.d.Presenter.Refuse(ctx, d, rec, fmt.Sprintf("I have no record of proposal %s; ask me again and I will propose a fresh fix.", d.Proposal))
		return
	case err != nil && rec.ID == "":
		log.Error("read proposal", zap.Error(err))
		w.d.Presenter.Refuse(ctx, d, rec, fmt.Sprintf("I could not read proposal %s just now, so nothing was changed; try again in a moment.", d.Proposal))
		return
	}
	if d.Message != "" {
		rec.MessageTS = d.Message
	}
	if why := w.refusal(ctx, log, d, rec); why != "" {
		log.Warn("decision refused", zap.String("why", why))
		w.d.Presenter.Refuse(ctx, d, rec, why)
		return
	}
	if err != nil { // the record exists but cannot be decoded
		log.Error("decode stored proposal", zap.Error(err))
		w.d.Presenter.Refuse(ctx, d, rec, "This proposal's record is damaged; ask me to propose the fix again.")
		return
	}
	if !d.Approve {
		w.reject(ctx, log, d, rec)
		return
	}
	if w.d.Now().Sub(rec.CreatedAt) > w.r.TTL {
		if w.transition(ctx, log, rec, store.Pending, store.Failed, d.User) {
			w.d.Presenter.Report(ctx, rec, Report{Stage: Expired, By: d.User, At: w.d.Now(), TTL: w.r.TTL})
		}
		w.d.Presenter.Refuse(ctx, d, rec, fmt.Sprintf("Proposal %s has expired and was not applied. Reply in the thread with \"propose it again\" and I will preview it afresh.", rec.ID))
		return
	}
	as, mapped := w.identity(d.User)
	if !mapped {
		log.Warn("refused: approver has no Kubernetes identity")
		w.d.Presenter.Refuse(ctx, d, rec, fmt.Sprintf("Fixes are applied as the approver's own Kubernetes identity, and you (%s) have none: KUBERTNETES_IMPERSONATE does not map your id. Nothing was changed; ask an admin to add you, or another approver to decide.", w.d.Name(d.User)))
		return
	}
	if !w.transition(ctx, log, rec, store.Pending, store.Applying, d.User) {
		w.d.Presenter.Refuse(ctx, d, rec, "This proposal is already being applied or was decided.")
		return
	}
	rec.State, rec.DecidedBy = store.Applying, d.User
	w.apply(ctx, log, rec, d.User, as)
}

// refusal is why d may not be taken, or "" when it may.
func (w *Workflow) refusal(ctx context.Context, log *zap.Logger, d Decision, rec Record) string {
	ok, err := w.r.Approvers.Allowed(ctx, d.User)
	switch {
	case err != nil:
		log.Warn("approver check failed", zap.Error(err))
		return "I could not check whether you may approve fixes (the approver group's members could not be read). Nothing was changed; try again in a moment."
	case !ok:
		return "You are not allowed to approve or reject fixes. Ask one of the approvers listed in KUBERTNETES_APPROVERS. Nothing was changed."
	case d.Approve && w.r.RequesterCannotApprove && d.User == rec.Requester:
		return "You asked the question that led to this fix, and here someone else must approve it (KUBERTNETES_REQUESTER_CANNOT_APPROVE). Ask another approver. Nothing was changed."
	case rec.State != store.Pending:
		by := ""
		if rec.DecidedBy != "" {
			by = " (by " + w.d.Name(rec.DecidedBy) + ")"
		}
		return fmt.Sprintf("Proposal %s is already %s%s.", rec.ID, rec.State, by)
	}
	return ""
}

// reject records a rejection and tells the model not to insist.
func (w *Workflow) reject(ctx context.Context, log *zap.Logger, d Decision, rec Record) {
	if !w.transition(ctx, log, rec, store.Pending, store.Rejected, d.User) {
		w.d.Presenter.Refuse(ctx, d, rec, "Someone else decided on this proposal first.")
		return
	}
	log.Info("fix rejected")
	w.audit(ctx, fixer.FixRejected, rec, rec.Change.Preview, d.User, fixer.Identity{}, "not applied", "")
	w.d.Presenter.Report(ctx, rec, Report{Stage: Rejected, By: d.User, At: w.d.Now()})
	fix := rec.Fix()
	w.note(ctx, rec, fmt.Sprintf("The user %s REJECTED proposal %s (%s on %s); it was not applied. Do not propose the same change again; ask what they prefer or look for another cause.", w.d.Name(d.User), rec.ID, fix.Operation, fix.Target))
}

// transition moves rec's state atomically and reports whether it moved. A
// store error counts as "not moved" and is logged: the decision is then
// refused or its outcome unrecorded, never applied twice.
func (w *Workflow) transition(ctx context.Context, log *zap.Logger, rec Record, from, to store.State, by string) bool {
	ok, err := w.d.Store.Transition(context.WithoutCancel(ctx), rec.ID, from, to, by)
	if err != nil {
		log.Error("record proposal state", zap.String("from", string(from)), zap.String("to", string(to)), zap.Error(err))
		return false
	}
	return ok
}

// identity is who user's approved fixes are applied as.
func (w *Workflow) identity(user string) (fixer.Identity, bool) {
	if w.r.Identities == nil {
		return fixer.Identity{}, true
	}
	id, ok := w.r.Identities[user]
	return id, ok
}

// audit records a step; the Auditor logs its own failures.
func (w *Workflow) audit(ctx context.Context, reason fixer.AuditReason, rec Record, step kube.Preview, decidedBy string, as fixer.Identity, result string, uid types.UID) {
	if w.d.Auditor == nil {
		return
	}
	r := fixer.AuditRecord{Reason: reason, Proposal: rec.ID, Preview: step, UID: uid, As: as, Result: result}
	if rec.Requester != "" {
		r.RequestedBy = w.d.Principal(rec.Requester)
	}
	if decidedBy != "" {
		r.DecidedBy = w.d.Principal(decidedBy)
	}
	w.d.Auditor.Record(context.WithoutCancel(ctx), r)
}

// note tells the model of rec's conversation a fact. It outlives the
// decision's context: the model must learn what happened even when the
// watching was stopped.
func (w *Workflow) note(ctx context.Context, rec Record, text string) {
	w.d.Presenter.Note(context.WithoutCancel(ctx), rec.Conversation, text)
}
