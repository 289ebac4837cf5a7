package fixflow

import (
	"context"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/internal/safe"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// Checker settles an apply whose answer was lost by reading its object;
// *fixer.Fixer satisfies it.
type Checker interface {
	Outcome(ctx context.Context, p kube.Preview) (fixer.Outcome, error)
}

// Reconcile settles the proposals a stopped process left Applying (it
// crashed, or was killed, between recording the approval and recording
// the result): each is checked against its objects, moved to applied,
// failed or unknown, audited, and its thread and model told. Call it once
// at start, before taking decisions; it returns how many it settled.
func (w *Workflow) Reconcile(ctx context.Context) (int, error) {
	left, err := w.d.Store.Proposals(ctx, store.Applying)
	if err != nil {
		return 0, fmt.Errorf("find interrupted applies: %w", err)
	}
	for _, sp := range left {
		log := w.d.Log.With(zap.String("proposal", sp.ID), zap.String("user", sp.DecidedBy))
		rec, err := w.load(ctx, sp.ID)
		if err != nil {
			log.Error("an interrupted apply's record cannot be read; its outcome is unknown", zap.Error(err))
			rec = Record{Proposal: sp}
			if w.transition(ctx, log, rec, store.Applying, store.Unknown, "") {
				w.d.Presenter.Report(ctx, rec, Report{Stage: Interrupted, By: sp.DecidedBy, At: w.d.Now(),
					Err: fmt.Sprintf("kubertnetes stopped while applying proposal %s, and its record is damaged, so whether it was applied is unknown: check the object yourself.", sp.ID)})
			}
			continue
		}
		log.Warn("settling an apply interrupted by a stop")
		w.interrupted(ctx, log, rec, sp.DecidedBy, fixer.Identity{}, 0, nil, "kubertnetes stopped while applying it, before it knew the result")
	}
	return len(left), nil
}

// interrupted reports an apply whose answer was lost at step from (the
// steps before it applied), checks the objects, records what was found
// and reports it.
func (w *Workflow) interrupted(ctx context.Context, log *zap.Logger, rec Record, user string, as fixer.Identity, from int, applied []fixer.Applied, why string) {
	ctx = context.WithoutCancel(ctx)
	first := fmt.Sprintf("%s: the result is unknown; kubertnetes will check %s.", why, rec.Change.Steps()[from].Fix.Target)
	w.d.Presenter.Report(ctx, rec, Report{Stage: Interrupted, By: user, As: as, At: w.d.Now(), Err: first, Applied: applied})
	done := make([]string, 0, len(applied))
	for _, a := range applied {
		done = append(done, a.Preview.Fix.Target.String())
	}
	state, found := w.settle(ctx, log, rec, from, done)
	if !w.transition(ctx, log, rec, store.Applying, state, "") {
		log.Error("the interrupted apply was settled but its state could not be recorded", zap.String("state", string(state)))
	}
	reason := fixer.FixFailed
	if state == store.Applied {
		reason = fixer.FixApplied
	}
	w.audit(ctx, reason, rec, rec.Change.Preview, user, as, "interrupted; on checking: "+found, "")
	w.d.Presenter.Report(ctx, rec, Report{Stage: Interrupted, By: user, As: as, At: w.d.Now(), Err: "On checking, " + found, Applied: applied})
	w.note(ctx, rec, fmt.Sprintf("Applying proposal %s (approved by %s) was interrupted (%s). On checking, %s", rec.ID, w.d.Name(user), why, found))
}

// settle checks rec's steps from from on, in order, and says what was
// found: applied when every step holds its change, failed when the first
// unsettled one is as previewed, unknown when checking cannot tell.
func (w *Workflow) settle(ctx context.Context, log *zap.Logger, rec Record, from int, done []string) (store.State, string) {
	steps := rec.Change.Steps()
	checker, _ := w.d.Fixer.(Checker)
	changed := func() string {
		if len(done) == 0 {
			return ""
		}
		return " Changed: " + strings.Join(done, ", then ") + "."
	}
	for i := from; i < len(steps); i++ {
		t := steps[i].Fix.Target.String()
		o := w.outcome(ctx, log, checker, steps[i])
		switch {
		case o == fixer.OutcomeApplied:
			done = append(done, t)
			continue
		case o == fixer.OutcomeNotApplied && len(done) == 0:
			return store.Failed, fmt.Sprintf("it was NOT applied: %s is as it was previewed, so nothing was changed.", t)
		case o == fixer.OutcomeNotApplied:
			return store.Failed, fmt.Sprintf("it was NOT fully applied: %s is as it was previewed.%s", t, changed())
		}
		return store.Unknown, fmt.Sprintf("whether %s was changed is UNKNOWN (it changed since in other ways, or could not be read): check it yourself.%s", t, changed())
	}
	return store.Applied, fmt.Sprintf("it was APPLIED: the change is in %s. It was not verified; ask me to check it.", strings.Join(done, ", then "))
}

// outcome checks one step within the apply timeout; without a checker, or
// when the check fails, it is unknown.
func (w *Workflow) outcome(ctx context.Context, log *zap.Logger, checker Checker, step kube.Preview) fixer.Outcome {
	if checker == nil {
		return fixer.OutcomeUnknown
	}
	ctx, cancel := context.WithTimeout(ctx, w.r.ApplyTimeout)
	defer cancel()
	o := fixer.OutcomeUnknown
	err := safe.CallRedacted(log, w.d.Redactor.Text, "check "+step.Fix.Target.String(), func() error {
		var err error
		o, err = checker.Outcome(ctx, step)
		return err
	})
	if err != nil {
		log.Warn("check an interrupted apply", zap.Stringer("target", step.Fix.Target), zap.Error(err))
		return fixer.OutcomeUnknown
	}
	return o
}
