// Package fixflow is the life of a proposed fix, owned once for every
// front end: offered → decided (who may, expiry, one atomic state change)
// → applied (as whom; a proposal of several steps, such as a ConfigMap
// patch and the rollouts of the workloads that read it, in order) →
// verified → rollback offered, with a fresh preview when the object
// changed, an audit record for each step, and a note for the model about
// each outcome.
//
// It is the only package besides cmd that imports kube/fixer (the code
// that writes); front ends name the fixer's types through this package's
// aliases (Identity, VerifyOptions, Auditor …).
//
// A front end (Slack, the terminal, the web) presents it by implementing
// the four-method Presenter and passing people's decisions to Decide:
//
//	type terminal struct{ out io.Writer; wf *fixflow.Workflow }
//
//	func (t *terminal) Offer(ctx context.Context, r fixflow.Record) error {
//		fmt.Fprintf(t.out, "%s: %s\n%s\n", r.ID, r.Fix().Target, r.Change.Preview.Diff)
//		return nil // the person answers later: t.wf.Decide(ctx, fixflow.Decision{…})
//	}
//	func (t *terminal) Report(ctx context.Context, r fixflow.Record, rep fixflow.Report) {
//		fmt.Fprintln(t.out, rep.Stage, rep.Err)
//	}
//	func (t *terminal) Refuse(ctx context.Context, d fixflow.Decision, r fixflow.Record, why string) {
//		fmt.Fprintln(t.out, why)
//	}
//	func (t *terminal) Note(ctx context.Context, conversation, text string) { /* append to the model's conversation */ }
//
//	wf, err := fixflow.New(fixflow.Deps{Fixer: f, Store: store.NewMemory(store.Retention{}), Presenter: t}, fixflow.Rules{Approvers: fixflow.Anyone{}})
//	err = wf.Propose(ctx, fixflow.Place{Conversation: "chat"}, proposal) // → Offer
//	wf.Decide(ctx, fixflow.Decision{Proposal: proposal.ID, User: "terminal:alice", Approve: true})
//
// Decide blocks until the proposal's outcome is known (applied and
// verified, refused, rejected …); a front end that must stay responsive
// calls it in its own goroutine.
package fixflow
