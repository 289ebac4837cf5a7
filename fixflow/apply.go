package fixflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/safe"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// apply applies an approved proposal (its state is Applying) as as, step
// by step in order, then verifies it. A conflict on the first step brings
// a fresh preview; a later step that fails, or a failed verification, a
// rollback proposal of what was applied; a step whose answer was lost is
// checked against its object. Every step is audited, reported and noted.
//
// Applying, and everything that records and reports its outcome, outlives
// ctx: a shutdown stops only the verification.
func (w *Workflow) apply(ctx context.Context, log *zap.Logger, rec Record, user string, as fixer.Identity) {
	log = log.With(zap.String("as", as.String()))
	watch := ctx
	ctx = context.WithoutCancel(ctx)
	if w.d.Fixer == nil {
		w.transition(ctx, log, rec, store.Applying, store.Failed, user)
		w.d.Presenter.Report(ctx, rec, Report{Stage: Failed, By: user, As: as, Err: "kubertnetes has no fixer configured, so nothing was applied."})
		return
	}
	log.Info("fix approved; applying")
	w.audit(ctx, fixer.FixApproved, rec, rec.Change.Preview, user, as, "applying", "")
	w.d.Presenter.Report(ctx, rec, Report{Stage: Applying, By: user, As: as, At: w.d.Now()})
	steps := rec.Change.Steps()
	var applied []fixer.Applied
	for i, step := range steps {
		a, err := w.applyStep(ctx, log, step, as)
		if errors.Is(err, fixer.ErrOutcomeUnknown) || errors.Is(err, safe.ErrPanic) {
			log.Warn("the answer to an apply was lost", zap.Int("step", i+1), zap.Error(err))
			w.interrupted(ctx, log, rec, user, as, i, applied, "The answer to applying it was lost")
			return
		}
		if err != nil {
			w.failed(ctx, log, rec, user, as, applied, i, fixer.RedactError(w.d.Redactor, err, step))
			return
		}
		log.Info("fix step applied", zap.Int("step", i+1), zap.Stringer("target", step.Fix.Target), zap.String("resource_version", a.ResourceVersion))
		w.audit(ctx, fixer.FixApplied, rec, step, user, as, "resourceVersion "+a.ResourceVersion, a.UID)
		applied = append(applied, a)
	}
	if !w.transition(ctx, log, rec, store.Applying, store.Applied, user) {
		log.Error("the fix was applied but its state could not be recorded as applied")
	}
	w.d.Presenter.Report(ctx, rec, Report{Stage: Applied, By: user, As: as, At: applied[0].At, Applied: applied})
	w.verify(watch, log, rec, user, applied)
}

// applyStep applies one step within the apply timeout. A panic in it
// counts as a lost answer: it may have come after the request was sent.
func (w *Workflow) applyStep(ctx context.Context, log *zap.Logger, step kube.Preview, as fixer.Identity) (fixer.Applied, error) {
	ctx, cancel := context.WithTimeout(ctx, w.r.ApplyTimeout)
	defer cancel()
	var a fixer.Applied
	err := safe.CallRedacted(log, w.d.Redactor.Text, "apply "+step.Fix.Target.String(), func() error {
		var err error
		a, err = w.d.Fixer.Apply(ctx, step, as)
		return err
	})
	return a, err
}

// failed reports step i's failure. Nothing was changed when it is the
// first step (a conflict there brings a fresh preview); otherwise the
// steps before it stay applied and their rollback is offered.
func (w *Workflow) failed(ctx context.Context, log *zap.Logger, rec Record, user string, as fixer.Identity, applied []fixer.Applied, i int, err error) {
	steps := rec.Change.Steps()
	w.transition(ctx, log, rec, store.Applying, store.Failed, user)
	why := userSafe(log, "apply failed", err)
	w.audit(ctx, fixer.FixFailed, rec, steps[i], user, as, err.Error(), "")
	rep := Report{Stage: Failed, By: user, As: as, At: w.d.Now(), Err: why, Applied: applied}
	outcome := "nothing was changed"
	if len(steps) > 1 {
		rep.Err = fmt.Sprintf("step %d of %d (%s on %s) failed: %s", i+1, len(steps), steps[i].Fix.Operation, steps[i].Fix.Target, why)
	}
	if len(applied) > 0 {
		outcome = "the steps before it stay applied: " + targets(applied)
		rep.Err += "; " + outcome
		rep.Next, rep.NextErr = w.rollback(ctx, applied, "a later step failed: "+why)
	} else if rep.Conflict = errors.Is(err, fixer.ErrConflict); rep.Conflict {
		rep.Next, rep.NextErr = w.freshPreview(ctx, rec)
	}
	w.d.Presenter.Report(ctx, rec, rep)
	w.note(ctx, rec, fmt.Sprintf("Applying proposal %s (approved by %s) FAILED and %s: %s", rec.ID, w.d.Name(user), outcome, rep.Err))
	switch {
	case rep.Next != nil && rep.Conflict:
		w.offer(ctx, rec, *rep.Next, Fresh)
	case rep.Next != nil:
		w.offer(ctx, rec, *rep.Next, RollbackOf)
	}
}

// verify watches every applied step and reports the outcome; when it is
// not verified it offers the rollback.
func (w *Workflow) verify(ctx context.Context, log *zap.Logger, rec Record, user string, applied []fixer.Applied) {
	target := rec.Fix().Target
	base := Report{By: user, As: applied[0].As, At: applied[0].At, Applied: applied}
	wctx, cancel := w.d.Watch(ctx)
	var v fixer.Verification
	err := safe.CallRedacted(log, w.d.Redactor.Text, "verify "+rec.ID, func() error {
		var err error
		v, err = w.verifyAll(wctx, applied)
		return err
	})
	cancel()
	if err != nil {
		stopped := "was stopped before a result"
		if errors.Is(err, safe.ErrPanic) {
			stopped = "failed unexpectedly (the details are in the log)"
		}
		log.Info("verification "+stopped, zap.Error(err))
		rep := base
		rep.Stage, rep.Err = Unverified, "verification "+stopped+"; the fix stays applied"
		w.d.Presenter.Report(context.WithoutCancel(ctx), rec, rep)
		w.note(ctx, rec, fmt.Sprintf("The user %s approved proposal %s; it was APPLIED to %s; verification %s.", w.d.Name(user), rec.ID, target, stopped))
		return
	}
	summary := v.Summary()
	rep := base
	rep.Verification = &v
	if v.Verified {
		w.audit(ctx, fixer.FixVerified, rec, rec.Change.Preview, user, applied[0].As, summary, applied[0].UID)
		rep.Stage = Verified
		w.d.Presenter.Report(ctx, rec, rep)
		w.note(ctx, rec, fmt.Sprintf("The user %s approved proposal %s; it was APPLIED to %s and VERIFIED: %s.", w.d.Name(user), rec.ID, targets(applied), summary))
		return
	}
	w.audit(ctx, fixer.FixNotVerified, rec, rec.Change.Preview, user, applied[0].As, summary, applied[0].UID)
	rep.Stage = NotVerified
	rep.Next, rep.NextErr = w.rollback(ctx, applied, v.Reason())
	w.d.Presenter.Report(ctx, rec, rep)
	note := fmt.Sprintf("The user %s approved proposal %s; it was APPLIED to %s but NOT VERIFIED: %s.", w.d.Name(user), rec.ID, targets(applied), summary)
	if rep.Next != nil {
		note += fmt.Sprintf(" Rollback proposal %s was offered.", rep.Next.ID)
	}
	w.note(ctx, rec, note)
	if rep.Next != nil {
		w.offer(ctx, rec, *rep.Next, RollbackOf)
	}
}

// verifyAll verifies each applied step in order: verified when every one
// is. A step whose kind has no health signal (a ConfigMap) is verified by
// the steps that follow it (the rollouts of the workloads that read it).
func (w *Workflow) verifyAll(ctx context.Context, applied []fixer.Applied) (fixer.Verification, error) {
	var all fixer.Verification
	all.Verified = true
	for _, a := range applied {
		v, err := w.d.Fixer.Verify(ctx, a, w.r.Verify)
		if err != nil {
			return fixer.Verification{}, err
		}
		all.Verified = all.Verified && v.Verified
		all.Seen = append(all.Seen, v.Seen...)
		all.Problems = append(all.Problems, v.Problems...)
		all.Elapsed += v.Elapsed
	}
	return all, nil
}

// rollback previews the inverse of an applied fix, with the steps that
// make it take effect, or says why there is none. The first applied step
// is the fix; the rollouts after it are not undone but planned again after
// the inverse, so the workloads read the restored value.
func (w *Workflow) rollback(ctx context.Context, applied []fixer.Applied, why string) (*agent.Proposal, string) {
	fix, err := fixer.Rollback(applied[0], why)
	if err != nil {
		return nil, err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, w.r.ApplyTimeout)
	defer cancel()
	steps, err := w.d.Fixer.Plan(ctx, fix)
	if err != nil {
		return nil, "could not preview the rollback: " + userSafe(w.d.Log, "preview rollback", err)
	}
	p := agent.NewProposal(steps)
	return &p, ""
}

// freshPreview previews a proposal again against its objects as they are now.
func (w *Workflow) freshPreview(ctx context.Context, rec Record) (*agent.Proposal, string) {
	ctx, cancel := context.WithTimeout(ctx, w.r.ApplyTimeout)
	defer cancel()
	steps, err := w.d.Fixer.Plan(ctx, rec.Fix())
	if err != nil {
		return nil, "I could not preview the fix again: " + userSafe(w.d.Log, "preview again", err)
	}
	p := agent.NewProposal(steps)
	return &p, ""
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

// targets names the objects of applied steps.
func targets(applied []fixer.Applied) string {
	names := make([]string, len(applied))
	for i, a := range applied {
		names[i] = a.Preview.Fix.Target.String()
	}
	return strings.Join(names, ", then ")
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
