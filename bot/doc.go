// Package bot is kubertnetes in Slack, over Socket Mode.
//
// Bot.Run owns the socket loop: every envelope is acknowledged before any
// work, events are deduplicated (by event id, and by channel+ts for the
// mention that arrives both as app_mention and as message), and each thread
// gets a worker that runs one investigation at a time through an
// agent.Brain, posting progress, findings, proposals and the answer in the
// thread. A proposal's life — who may decide, expiry, the one atomic
// decision, applying as the approver's mapped Kubernetes identity
// (Config.Impersonate) or the fixer's own, verification, a fresh proposal
// on conflict, a rollback proposal when not verified, the audit — is
// package fixflow's; this package presents it (fix.go): the proposal
// message with Approve/Reject, outcomes edited into it and said in the
// thread, refusals as ephemeral messages, notes to the conversation.
// A failed investigation is posted as agent.Explain puts it (a short
// sentence and a reference); the full error is logged under that reference.
//
// Slack's rules, kept in one place each: posts are paced per channel
// (post.go: about one chat.postMessage per second after a short burst,
// queued, never dropped; 429s wait out Retry-After; unfurling off); output
// is split or trimmed to Slack's limits (render.go), but a proposal's diff
// never is: it is shown whole before the buttons, or the proposal is not
// offered (proposal.go); text from the model or the cluster is escaped so
// it cannot mention, link or format (escape.go); an investigation posts its first
// few findings alone and lists the rest in one message (findings.go);
// approvers may be users or user groups, expanded and cached for a minute
// (approvers.go). The conversation is checkpointed in the Store as it
// grows (conversation.go), so a process killed mid-investigation restarts
// with the thread's memory, its stale status message marked interrupted,
// and its proposals still clickable.
//
//	b, err := bot.New(bot.Config{Approvers: []string{"U123"}}, bot.Deps{
//		API: api, Socket: socketmode.New(api), Brain: brain, Fixer: fixer,
//		Auditor: auditor, Store: st, Log: log,
//	})
//	err = b.Run(ctx) // returns after every worker has stopped
package bot
