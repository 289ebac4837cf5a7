package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/internal/slacktest"
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
		// A quiet channel each time: posts in one channel are paced at about
		// one per second after a short burst, as Slack asks.
		ch := fmt.Sprintf("C0BENCH%04d", i)
		b.StartTimer()
		start := time.Now()
		root := e.slack.Mention(ch, requester, "why is crashloop-app failing in "+d.ns+"?")
		e.slack.WaitForMessage(b, ch, root, func(m slacktest.Message) bool {
			return m.BotID != "" && strings.Contains(m.Text, "Proposed fix")
		}, time.Minute)
		total += time.Since(start)
		b.StopTimer()
		e.slack.WaitForMessage(b, ch, root, func(m slacktest.Message) bool { // let the investigation finish
			return m.BotID != "" && strings.Contains(m.Text, `LISTEN_PORT is "eighty"`)
		}, time.Minute)
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/proposal")
}
