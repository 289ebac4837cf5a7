// Package bot is kubertnetes in Slack, over Socket Mode.
//
// Bot.Run owns the socket loop: every envelope is acknowledged before any
// work, events are deduplicated (by event id, and by channel+ts for the
// mention that arrives both as app_mention and as message), and each thread
// gets a worker that runs one investigation at a time through an
// agent.Brain, posting progress, findings, proposals and the answer in the
// thread. Approve/Reject clicks on a proposal are checked against the
// approver list and only then reach the Applier.
//
//	b, err := bot.New(bot.Config{Approvers: []string{"U123"}}, bot.Deps{
//		API: api, Socket: socketmode.New(api), Brain: brain, Applier: fixer, Store: st, Log: log,
//	})
//	err = b.Run(ctx) // returns after every worker has stopped
package bot
