// Package agent is kubertnetes' brain: it answers a question about a
// cluster by investigating it with read-only tools, and may end with a
// proposed fix — data only, applied by nobody but an approving human.
//
// Two brains share one interface, Brain: the LLM loop (any OpenAI-compatible
// chat-completions endpoint with tool calling) and the offline brain, which
// runs the analyzers of kube/analyze when no model is configured. Front ends (Slack, the
// terminal) receive typed Events as the investigation goes:
//
//	brain := agent.NewLoop(client, reader, fixer, agent.LoopOptions{Model: "gpt-4o-mini"})
//	conv := &agent.Conversation{}
//	err := brain.Ask(ctx, conv, "why is crashloop-app failing?", func(e agent.Event) {
//		switch e := e.(type) {
//		case agent.Progress:
//			fmt.Println("…", e.Tool, e.Target)
//		case agent.Answer:
//			fmt.Println(e.Text)
//		}
//	})
//
// A failed investigation is shown to people through Explain: a short
// sentence saying what to do and a reference, with the full error logged
// under the same reference (explain.go).
//
// The agent never writes to the cluster: its tools hold a Cluster, a
// read-only interface that *kube.Reader satisfies, and propose_fix only
// calls a Previewer (a server-side dry run). The agent does not import
// kube/fixer; the front end passes the fixer in as the Previewer.
package agent
