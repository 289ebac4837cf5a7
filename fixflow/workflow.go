package fixflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// Fixer plans, applies and verifies fixes; *fixer.Fixer satisfies it.
type Fixer interface {
	// Plan previews a fix and the steps that make it take effect.
	Plan(ctx context.Context, fix kube.Fix) ([]kube.Preview, error)
	Apply(ctx context.Context, p kube.Preview, as fixer.Identity) (fixer.Applied, error)
	Verify(ctx context.Context, a fixer.Applied, opts fixer.VerifyOptions) (fixer.Verification, error)
}

// Store keeps proposals and their states; store.Store satisfies it.
type Store interface {
	Proposal(ctx context.Context, id string) (store.Proposal, error)
	SaveProposal(ctx context.Context, p store.Proposal) error
	Transition(ctx context.Context, id string, from, to store.State, by string) (bool, error)
	// Proposals lists the proposals in a state: at start, Reconcile
	// settles those a stopped process left Applying.
	Proposals(ctx context.Context, state store.State) ([]store.Proposal, error)
}

// Presenter shows a proposal's life to people; each front end has one.
type Presenter interface {
	// Offer shows a new proposal with a way to approve or reject it. The
	// proposal is recorded before Offer is called, so a decision can never
	// find it missing. An error withdraws it (it can no longer be
	// approved); an error wrapping ErrNotShown means Offer already told
	// the people and the model why.
	Offer(ctx context.Context, r Record) error
	// Report tells everyone who follows the proposal what happened to it.
	Report(ctx context.Context, r Record, rep Report)
	// Refuse tells the one person who decided why their decision was not
	// taken (r is zero when the proposal is unknown). Nothing was changed.
	Refuse(ctx context.Context, d Decision, r Record, why string)
	// Note gives the model of the proposal's conversation a fact about
	// the outcome, so the conversation goes on knowing it.
	Note(ctx context.Context, conversation, text string)
}

// Approvers says who may decide on fixes.
type Approvers interface {
	// Allowed reports whether user may approve or reject. An error means
	// it could not be checked, and the decision is refused (fail closed).
	Allowed(ctx context.Context, user string) (bool, error)
}

// Anyone lets everyone decide: the terminal, where the person at the
// keyboard already holds the kubeconfig.
type Anyone struct{}

// Allowed is always true.
func (Anyone) Allowed(context.Context, string) (bool, error) { return true, nil }

// Rules are who may decide, for how long, and as whom a fix is applied.
type Rules struct {
	Approvers Approvers
	// RequesterCannotApprove refuses an approval by the person whose
	// question led to the proposal (they may still reject it).
	RequesterCannotApprove bool
	// TTL is how long a proposal can be approved (default 30 minutes).
	TTL time.Duration
	// Identities maps deciders to the Kubernetes identity their approved
	// fixes are applied as. Nil applies every fix as the fixer's own
	// identity; when set, an approver without an entry cannot apply.
	Identities map[string]fixer.Identity
	// Verify bounds the verification after a fix is applied.
	Verify fixer.VerifyOptions
	// ApplyTimeout bounds each step's apply, and the check of one whose
	// answer was lost (default 60 seconds). An apply is not cancelled with
	// the decision's context: a shutdown mid-request must not leave
	// "nothing was changed" said of a change the server made.
	ApplyTimeout time.Duration
}

// Deps are the workflow's collaborators.
type Deps struct {
	// Fixer is optional: without one, proposals are shown and decided but
	// an approval applies nothing and says so. A Fixer that is also a
	// Checker settles applies whose answer was lost; without, their
	// outcome is reported unknown.
	Fixer     Fixer
	Store     Store
	Presenter Presenter
	// Auditor is optional.
	Auditor fixer.Auditor
	// Redactor masks what a failed apply's error echoes (the zero value
	// masks secrets and hides no marker); the real Fixer's errors are
	// already masked with the Reader's hidden keys.
	Redactor kube.Redactor
	Log      *zap.Logger
	// Name is how a person is named in what people and the model read
	// (Slack: "<@U123>"); default the id itself.
	Name func(user string) string
	// Principal is how a person is named in the audit trail (Slack:
	// "slack:U123"); default the id itself.
	Principal func(user string) string
	// Watch derives the context verification runs in; the terminal lets
	// Ctrl-C stop the watching without stopping anything else. Default:
	// the decision's context.
	Watch func(ctx context.Context) (context.Context, context.CancelFunc)
	// Now is the clock for expiry; default time.Now.
	Now func() time.Time
}

// Workflow runs proposals' lives. It is safe for concurrent use: two
// decisions on one proposal are serialised by the store's atomic
// transition, so a proposal is applied at most once.
type Workflow struct {
	d Deps
	r Rules
}

// New checks the collaborators and fills in the defaults.
func New(d Deps, r Rules) (*Workflow, error) {
	switch {
	case d.Store == nil:
		return nil, errors.New("fixflow: no store")
	case d.Presenter == nil:
		return nil, errors.New("fixflow: no presenter")
	case r.Approvers == nil:
		return nil, errors.New("fixflow: no approvers rule (use fixflow.Anyone{} to let everyone decide)")
	}
	if d.Log == nil {
		d.Log = zap.NewNop()
	}
	if d.Name == nil {
		d.Name = func(u string) string { return u }
	}
	if d.Principal == nil {
		d.Principal = func(u string) string { return u }
	}
	if d.Watch == nil {
		d.Watch = func(ctx context.Context) (context.Context, context.CancelFunc) { return ctx, func() {} }
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if r.TTL <= 0 {
		r.TTL = 30 * time.Minute
	}
	if r.ApplyTimeout <= 0 {
		r.ApplyTimeout = 60 * time.Second
	}
	return &Workflow{d: d, r: r}, nil
}

// Place is where a proposal lives: its conversation, where it is shown,
// and who asked the question that led to it.
type Place struct {
	Conversation, Channel, Thread, Requester string
}

// Origin is why a proposal was offered.
type Origin string

// Origins.
const (
	// Proposed: the agent proposed it.
	Proposed Origin = ""
	// Fresh: a fresh preview of a proposal whose object changed.
	Fresh Origin = "fresh"
	// RollbackOf: the rollback of a fix that was not verified.
	RollbackOf Origin = "rollback"
)

// Record is a proposal as stored: where it lives, its state, and the
// exact change an approval covers.
type Record struct {
	store.Proposal
	Change agent.Proposal
	// Origin and Of say why it was offered: a fresh preview or rollback
	// of proposal Of.
	Origin Origin
	Of     string
}

// Fix is the typed change.
func (r Record) Fix() kube.Fix { return r.Change.Preview.Fix }

// stored is what the store's Preview bytes hold: the proposal and why it
// was offered. Records written before Origin existed decode with none.
type stored struct {
	agent.Proposal
	Origin Origin `json:"origin,omitempty"`
	Of     string `json:"of,omitempty"`
}

// Propose records a proposal (pending), audits it and offers it through
// the presenter. An error means it was not recorded, so it cannot be
// approved; the caller says so.
func (w *Workflow) Propose(ctx context.Context, at Place, p agent.Proposal) error {
	return w.propose(ctx, at, p, Proposed, "")
}

func (w *Workflow) propose(ctx context.Context, at Place, p agent.Proposal, origin Origin, of string) error {
	data, err := json.Marshal(stored{Proposal: p, Origin: origin, Of: of})
	if err != nil {
		return fmt.Errorf("encode proposal %s: %w", p.ID, err)
	}
	rec := Record{
		Proposal: store.Proposal{ID: p.ID, Conversation: at.Conversation, Channel: at.Channel, ThreadTS: at.Thread,
			Requester: at.Requester, Preview: data, State: store.Pending, CreatedAt: w.d.Now()},
		Change: p, Origin: origin, Of: of,
	}
	if err := w.d.Store.SaveProposal(ctx, rec.Proposal); err != nil {
		return fmt.Errorf("record proposal %s: %w", p.ID, err)
	}
	w.audit(ctx, fixer.FixProposed, rec, rec.Change.Preview, "", fixer.Identity{}, "awaiting approval", "")
	if err := w.d.Presenter.Offer(ctx, rec); err != nil {
		// Never left pending: what nobody could see cannot be approved.
		w.transition(ctx, w.d.Log, rec, store.Pending, store.Rejected, Withdrawn)
		return fmt.Errorf("show proposal %s: %w", p.ID, err)
	}
	return nil
}

// load reads a proposal's record.
func (w *Workflow) load(ctx context.Context, id string) (Record, error) {
	sp, err := w.d.Store.Proposal(ctx, id)
	if err != nil {
		return Record{}, err
	}
	var s stored
	if err := json.Unmarshal(sp.Preview, &s); err != nil {
		return Record{Proposal: sp}, fmt.Errorf("decode proposal %s: %w", id, err)
	}
	return Record{Proposal: sp, Change: s.Proposal, Origin: s.Origin, Of: s.Of}, nil
}

// place is where r lives, for the proposals that follow it.
func (r Record) place() Place {
	return Place{Conversation: r.Conversation, Channel: r.Channel, Thread: r.ThreadTS, Requester: r.Requester}
}

// ErrNotShown is wrapped by a Presenter's Offer error when it showed
// people and the model why a proposal was not offered (too large to
// review, say): nothing more needs saying.
var ErrNotShown = errors.New("proposal not shown")

// Withdrawn is who rejects a proposal that could not be shown.
const Withdrawn = "kubertnetes (not shown)"
