package bot

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/internal/slacktest"
)

func TestReconnectsLoseNothing(t *testing.T) {
	tests := []struct {
		name string
		cut  func(s *slacktest.Server)
	}{
		{"refresh_requested", func(s *slacktest.Server) { s.Disconnect("refresh_requested") }},
		{"dropped socket", func(s *slacktest.Server) { s.DropConnections() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startBot(t, Config{}, slacktest.AckTimeout(500*time.Millisecond)) // what the cut loses comes back soon
			release := h.brain.hold()
			root := h.slack.Mention("C1", "UHUMAN1", "first question")
			h.slack.WaitUntil(t, 5*time.Second, func() bool { return len(h.brain.questions()) == 1 }, "the investigation to start")

			tt.cut(h.slack) // mid-investigation
			h.slack.ReplyInThread("C1", root, "UHUMAN1", "asked during the outage")
			release()
			h.waitAnswers(t, "C1", root, 2)
			h.slack.WaitConnected(t, 1)
			h.settle(t) // redeliveries of what the cut lost included

			want := []string{`answer to "first question" (remembered 0)`, `answer to "asked during the outage" (remembered 1)`}
			if got := h.answers("C1", root); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("answers = %q, want %q", got, want)
			}
			if n := h.slack.Accepted(); n < 2 {
				t.Errorf("%d WebSocket connections accepted; the bot never reconnected", n)
			}
		})
	}
}

func TestRedeliveriesAfterLateAcksAreAnsweredOnce(t *testing.T) {
	// Every ack is "late": the fake redelivers each event (retry_attempt
	// 1..3, same event_id) before the bot's ack can reach it.
	h := startBot(t, Config{}, slacktest.AckTimeout(time.Nanosecond))
	root := h.slack.Mention("C1", "UHUMAN1", "status?")
	h.waitAnswers(t, "C1", root, 1)
	h.slack.ReplyInThread("C1", root, "UHUMAN1", "and now?")
	h.waitAnswers(t, "C1", root, 2)
	h.settle(t)

	retries := 0
	for _, d := range h.slack.Deliveries() {
		if d.RetryAttempt > 0 {
			retries++
		}
	}
	if retries == 0 {
		t.Fatal("no redelivery happened; the test did not exercise retries")
	}
	if got := h.answers("C1", root); len(got) != 2 {
		t.Errorf("answers = %q, want one per question despite %d redeliveries", got, retries)
	}
	if q := h.brain.questions(); len(q) != 2 {
		t.Errorf("the brain was asked %q, want each question once", q)
	}
}

func TestIgnoresBotsEditsAndDeletions(t *testing.T) {
	h := startBot(t, Config{})
	root := h.slack.Mention("C1", "UHUMAN1", "first question")
	h.waitAnswers(t, "C1", root, 1) // the bot's own posts have come back as message events
	n := 0
	event := func(inner string) {
		n++
		h.slack.SendRaw(slacktest.EnvelopeEventsAPI, fmt.Appendf(nil, `{"token":"x","team_id":"T0001","api_app_id":"A0001","type":"event_callback",
			"event_id":"EvIGNORE%d","event_time":1700000000,"event":%s}`, n, inner))
	}
	// Another app's bot replying in the thread, with and without a user id.
	event(fmt.Sprintf(`{"type":"message","user":"UOTHERBOT","bot_id":"BOTHER","app_id":"AOTHER","text":"I am a bot","ts":"1700000001.000100","thread_ts":%q,"channel":"C1","channel_type":"channel","event_ts":"1700000001.000100"}`, root))
	event(fmt.Sprintf(`{"type":"message","subtype":"bot_message","bot_id":"BOTHER","text":"legacy bot","ts":"1700000001.000200","thread_ts":%q,"channel":"C1","channel_type":"channel","event_ts":"1700000001.000200"}`, root))
	// A human editing and deleting a message in the thread.
	event(fmt.Sprintf(`{"type":"message","subtype":"message_changed","hidden":true,"channel":"C1","channel_type":"channel","ts":"1700000001.000300","event_ts":"1700000001.000300",
		"message":{"type":"message","user":"UHUMAN1","text":"edited question","ts":"1700000001.000050","thread_ts":%q},
		"previous_message":{"type":"message","user":"UHUMAN1","text":"question","ts":"1700000001.000050","thread_ts":%q}}`, root, root))
	event(`{"type":"message","subtype":"message_deleted","hidden":true,"channel":"C1","channel_type":"channel","ts":"1700000001.000400","deleted_ts":"1700000001.000050","event_ts":"1700000001.000400"}`)
	// The bot's own message, as Slack echoes it: our user id, our bot id, no subtype.
	event(fmt.Sprintf(`{"type":"message","user":"UBOT111","bot_id":"BBOT111","text":"answer","ts":"1700000001.000500","thread_ts":%q,"channel":"C1","channel_type":"channel","event_ts":"1700000001.000500"}`, root))

	h.slack.ReplyInThread("C1", root, "UHUMAN1", "a real follow-up")
	h.waitAnswers(t, "C1", root, 2)
	h.settle(t)
	want := []string{"first question", "a real follow-up"}
	if q := h.brain.questions(); strings.Join(q, "|") != strings.Join(want, "|") {
		t.Errorf("questions = %q, want %q: bots, edits and deletions are not questions", q, want)
	}
}

func TestDirectMessagesGetAConversationPerThread(t *testing.T) {
	h := startBot(t, Config{Channels: []string{"CONLY"}, AllowDMs: true}) // allowed DMs work whatever the channel allowlist
	first := h.slack.Post("D0DM1", "UHUMAN1", "what is failing?")
	if got := h.waitAnswers(t, "D0DM1", first, 1); got[0] != `answer to "what is failing?" (remembered 0)` {
		t.Errorf("first DM answer = %q", got[0])
	}
	h.slack.ReplyInThread("D0DM1", first, "UHUMAN1", "and why?")
	if got := h.waitAnswers(t, "D0DM1", first, 2); got[1] != `answer to "and why?" (remembered 1)` {
		t.Errorf("reply in the DM thread = %q, want it to continue the thread's conversation", got[1])
	}
	second := h.slack.Post("D0DM1", "UHUMAN1", "another topic")
	if got := h.waitAnswers(t, "D0DM1", second, 1); got[0] != `answer to "another topic" (remembered 0)` {
		t.Errorf("a new DM = %q, want a fresh conversation", got[0])
	}
}

func TestFiftyThreadsAtOnceDoNotCrossTalk(t *testing.T) {
	h := startBot(t, Config{})
	h.brain.set(func(b *echoBrain) { b.delay = 20 * time.Millisecond })
	const n = 50
	start := time.Now()
	roots := make([]string, n)
	for i := range roots {
		roots[i] = h.slack.Mention(fmt.Sprintf("C%d", i%5), fmt.Sprintf("UHUMAN%d", i), fmt.Sprintf("question %d?", i))
	}
	for i, root := range roots {
		h.waitAnswers(t, fmt.Sprintf("C%d", i%5), root, 1)
	}
	t.Logf("%d threads answered in %v", n, time.Since(start).Round(time.Millisecond))
	h.settle(t)
	for i, root := range roots {
		channel := fmt.Sprintf("C%d", i%5)
		want := fmt.Sprintf(`answer to "question %d?" (remembered 0)`, i)
		if got := h.answers(channel, root); len(got) != 1 || got[0] != want {
			t.Errorf("thread %d: answers %q, want exactly [%q]", i, got, want)
		}
		status := h.botMessage(t, channel, root, "Investigat")
		if !strings.Contains(status.Text, "Investigation finished") {
			t.Errorf("thread %d: status message %q, want it finished", i, status.Text)
		}
	}
}

func TestRunReturnsOnlyAfterEveryWorkerStopped(t *testing.T) {
	h := startBot(t, Config{MaxInvestigations: 4})
	h.brain.set(func(b *echoBrain) { b.delay = time.Minute })
	for i := range 12 {
		h.slack.Mention("C1", "UHUMAN1", fmt.Sprintf("slow question %d", i))
	}
	h.slack.WaitUntil(t, 10*time.Second, func() bool { return h.brain.active.Load() == 4 }, "4 investigations running")
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := h.brain.active.Load(); n != 0 {
		t.Errorf("%d investigations still running after Run returned", n)
	}
	sent := h.sent.n.Load()
	// Every goroutine of the bot has finished (one may still be returning):
	// none of them may call Slack after Run returned.
	h.slack.WaitUntil(t, 10*time.Second, func() bool { return !runsBotCode() }, "no goroutine runs the bot's code")
	if after := h.sent.n.Load(); after != sent {
		t.Errorf("%d Slack calls started after Run returned: a worker outlived it", after-sent)
	}
}

// runsBotCode reports whether a goroutine is in a method of Bot.
func runsBotCode() bool {
	buf := make([]byte, 1<<20)
	return bytes.Contains(buf[:runtime.Stack(buf, true)], []byte("kubertnetes/bot.(*Bot)."))
}
