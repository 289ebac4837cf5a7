package main

import (
	"testing"
	"time"
)

// BenchmarkMentionToProposal measures what a Slack user waits for: from an
// @mention to the proposal with its buttons in the thread, through the real
// slack-go socket, the real go-openai client (scripted model, no think time),
// and read tools plus a server-side dry run on the real API server.
func BenchmarkMentionToProposal(b *testing.B) {
	d := loadDemo(b)
	e := startServe(b)
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		scriptInvestigation(e.llm, d.ns)
		b.StartTimer()
		start := time.Now()
		root := e.slack.Mention(channel, requester, "why is crashloop-app failing in "+d.ns+"?")
		e.proposal(b, root)
		total += time.Since(start)
		b.StopTimer()
		e.waitText(b, root, `LISTEN_PORT is "eighty"`) // let the investigation finish
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/proposal")
}
