package fixflow

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// apply applies an approved proposal (its state is Applying) as as, then
// verifies it. A conflict brings a fresh preview, a failed verification a
// rollback proposal; every step is audited, reported and noted.
func (w *Workflow) apply(ctx context.Context, log *zap.Logger, rec Record, user string, as fixer.Identity) {
	log = log.With(zap.String("as", as.String()))
	if w.d.Fixer == nil {
		w.transition(ctx, log, rec, store.Applying, store.Failed, user)
		w.d.Presenter.Report(ctx, rec, Report{Stage: Failed, By: user, As: as, Err: "kubertnetes has no fixer configured, so nothing was applied."})
		return
	}
	log.Info("fix approved; applying")
	w.audit(ctx, fixer.FixApproved, rec, user, as, "applying", "")
	w.d.Presenter.Report(ctx, rec, Report{Stage: Applying, By: user, As: as, At: w.d.Now()})
	applied, err := w.d.Fixer.Apply(ctx, rec.Change.Preview, as)
	if err != nil {
		w.transition(ctx, log, rec, store.Applying, store.Failed, user)
		why := userSafe(log, "apply failed", err)
		w.audit(ctx, fixer.FixFailed, rec, user, as, err.Error(), "")
		rep := Report{Stage: Failed, By: user, As: as, Err: why, Conflict: errors.Is(err, fixer.ErrConflict)}
		var next *agent.Proposal
		if rep.Conflict {
			next, rep.NextErr = w.freshPreview(ctx, rec)
			rep.Next = next
		}
		w.d.Presenter.Report(ctx, rec, rep)
		w.note(ctx, rec, fmt.Sprintf("Applying proposal %s (approved by %s) FAILED and nothing was changed: %s", rec.ID, w.d.Name(user), why))
		if next != nil {
			w.offer(ctx, rec, *next, Fresh)
		}
		return
	}
	if !w.transition(ctx, log, rec, store.Applying, store.Applied, user) {
		log.Error("the fix was applied but its state could not be recorded as applied")
	}
	log.Info("fix applied", zap.String("resource_version", applied.ResourceVersion))
	w.audit(ctx, fixer.FixApplied, rec, user, as, "resourceVersion "+applied.ResourceVersion, applied.UID)
	w.d.Presenter.Report(ctx, rec, Report{Stage: Applied, By: user, As: as, At: applied.At, Applied: &applied})
	w.verify(ctx, log, rec, user, applied)
}

// verify watches the applied fix and reports the outcome; when it is not
// verified it offers the rollback.
func (w *Workflow) verify(ctx context.Context, log *zap.Logger, rec Record, user string, applied fixer.Applied) {
	target := rec.Fix().Target
	base := Report{By: user, As: applied.As, At: applied.At, Applied: &applied}
	wctx, cancel := w.d.Watch(ctx)
	v, err := w.d.Fixer.Verify(wctx, applied, w.r.Verify)
	cancel()
	if err != nil {
		log.Info("verification stopped", zap.Error(err))
		rep := base
		rep.Stage, rep.Err = Unverified, "verification was stopped before a result; the fix stays applied"
		w.d.Presenter.Report(ctx, rec, rep)
		w.note(ctx, rec, fmt.Sprintf("The user %s approved proposal %s; it was APPLIED to %s; verification was stopped before a result.", w.d.Name(user), rec.ID, target))
		return
	}
	summary := v.Summary()
	rep := base
	rep.Verification = &v
	if v.Verified {
		w.audit(ctx, fixer.FixVerified, rec, user, applied.As, summary, applied.UID)
		rep.Stage = Verified
		w.d.Presenter.Report(ctx, rec, rep)
		w.note(ctx, rec, fmt.Sprintf("The user %s approved proposal %s; it was APPLIED to %s and VERIFIED: %s.", w.d.Name(user), rec.ID, target, summary))
		return
	}
	w.audit(ctx, fixer.FixNotVerified, rec, user, applied.As, summary, applied.UID)
	rep.Stage = NotVerified
	rep.Next, rep.NextErr = w.rollback(ctx, applied, v)
	w.d.Presenter.Report(ctx, rec, rep)
	note := fmt.Sprintf("The user %s approved proposal %s; it was APPLIED to %s but NOT VERIFIED: %s.", w.d.Name(user), rec.ID, target, summary)
	if rep.Next != nil {
		note += fmt.Sprintf(" Rollback proposal %s was offered.", rep.Next.ID)
	}
	w.note(ctx, rec, note)
	if rep.Next != nil {
		w.offer(ctx, rec, *rep.Next, RollbackOf)
	}
}

// rollback previews the inverse of an applied fix, or says why there is none.
func (w *Workflow) rollback(ctx context.Context, a fixer.Applied, v fixer.Verification) (*agent.Proposal, string) {
	fix, err := fixer.Rollback(a, v.Reason())
	if err != nil {
		return nil, err.Error()
	}
	pv, err := w.d.Fixer.Preview(ctx, fix)
	if err != nil {
		return nil, "could not preview the rollback: " + userSafe(w.d.Log, "preview rollback", err)
	}
	return &agent.Proposal{ID: agent.NewID("fix"), Preview: *pv}, ""
}

// freshPreview previews a proposal again against its object as it is now.
func (w *Workflow) freshPreview(ctx context.Context, rec Record) (*agent.Proposal, string) {
	pv, err := w.d.Fixer.Repreview(ctx, rec.Change.Preview)
	if err != nil {
		return nil, "I could not preview the fix again: " + userSafe(w.d.Log, "preview again", err)
	}
	return &agent.Proposal{ID: agent.NewID("fix"), Preview: *pv}, ""
}

// offer proposes what follows rec (a fresh preview or a rollback) in the
// same place; a failure to record it is reported as the reason none follows.
func (w *Workflow) offer(ctx context.Context, rec Record, p agent.Proposal, origin Origin) {
	if origin == Fresh {
		w.note(ctx, rec, fmt.Sprintf("Proposal %s was previewed again as %s because its object changed.", rec.ID, p.ID))
	}
	if err := w.propose(ctx, rec.place(), p, origin, rec.ID); err != nil {
		w.d.Log.Error("offer follow-up proposal", zap.String("proposal", p.ID), zap.Error(err))
		w.d.Presenter.Report(ctx, rec, Report{Stage: NotOffered, Next: &p, Err: fmt.Sprintf("%s could not be recorded, so it cannot be approved; ask me to propose it again", p.ID)})
	}
}

// userSafe is what a person is told about a failed step: the fixer's own
// sentences about a conflict, an RBAC refusal or a policy refusal as they
// are (they name the object and the identity, which the approver needs),
// anything else as a short sentence with a reference, the cause logged
// under it.
func userSafe(log *zap.Logger, what string, err error) string {
	for _, known := range []error{fixer.ErrConflict, fixer.ErrForbidden, fixer.ErrRefused, fixer.ErrNoRollback} {
		if errors.Is(err, known) {
			log.Warn(what, zap.Error(err))
			return err.Error()
		}
	}
	ue := agent.Explain(err)
	log.Warn(what, zap.String("ref", ue.Ref), zap.Stringer("code", ue.Code), zap.Error(err))
	return ue.Error()
}
