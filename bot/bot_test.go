package bot

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
)

func TestMentionIsAnsweredOnceInItsThread(t *testing.T) {
	h := startBot(t, Config{})
	root := h.slack.Mention("C1", "UHUMAN1", "why is faulty-app down?")
	got := h.waitAnswers(t, "C1", root, 1)
	if got[0] != `answer to "why is faulty-app down?" (remembered 0)` {
		t.Errorf("answer = %q; the mention tag must be stripped from the question", got[0])
	}
	// The mention also arrived as a plain message event, and the bot's own
	// posts came back as message events: none of them is a new question.
	h.settle(t)
	if q := h.brain.questions(); len(q) != 1 {
		t.Errorf("the brain was asked %d times (%q), want once", len(q), q)
	}
}

func TestFollowUpInThreadNeedsNoMentionAndKeepsContext(t *testing.T) {
	h := startBot(t, Config{})
	root := h.slack.Mention("C1", "UHUMAN1", "first question")
	h.waitAnswers(t, "C1", root, 1)
	h.slack.ReplyInThread("C1", root, "UHUMAN1", "and the second?")
	got := h.waitAnswers(t, "C1", root, 2)
	if got[1] != `answer to "and the second?" (remembered 1)` {
		t.Errorf("follow-up answer = %q, want it to remember the first question", got[1])
	}
	// A reply in a thread the bot is not part of is not for the bot.
	other := h.slack.Post("C1", "UHUMAN1", "unrelated chatter")
	h.slack.ReplyInThread("C1", other, "UHUMAN2", "more chatter")
	h.settle(t)
	if q := h.brain.questions(); len(q) != 2 {
		t.Errorf("questions = %q, want only the two addressed to the bot", q)
	}
}

func TestRedeliveredEventIsAnsweredOnce(t *testing.T) {
	h := startBot(t, Config{})
	payload := []byte(`{"token":"x","team_id":"T0001","api_app_id":"A0001","type":"event_callback","event_id":"EvDUP1","event_time":1700000000,
		"event":{"type":"app_mention","user":"UHUMAN1","text":"<@UBOT111> status?","ts":"1700000000.000100","channel":"C1","event_ts":"1700000000.000100"}}`)
	for i := 0; i < 3; i++ { // Slack's retries reuse the event_id
		h.slack.SendRaw(slacktest.EnvelopeEventsAPI, payload)
	}
	h.waitAnswers(t, "C1", "1700000000.000100", 1)
	h.settle(t)
	if n := len(h.answers("C1", "1700000000.000100")); n != 1 {
		t.Errorf("%d answers for one event delivered three times, want 1", n)
	}
}

func TestChannelAllowlistRepliesOnceElsewhere(t *testing.T) {
	h := startBot(t, Config{Channels: []string{"CALLOWED"}})
	r1 := h.slack.Mention("COTHER", "UHUMAN1", "hello?")
	h.slack.WaitForMessage(t, "COTHER", r1, func(m slacktest.Message) bool {
		return m.BotID != "" && strings.Contains(m.Text, "not enabled in this channel")
	}, 10*time.Second)
	h.slack.Mention("COTHER", "UHUMAN1", "hello again?")
	root := h.slack.Mention("CALLOWED", "UHUMAN1", "works here?")
	h.waitAnswers(t, "CALLOWED", root, 1)
	h.settle(t)
	refusals := 0
	for _, m := range h.slack.Messages("COTHER") {
		if m.BotID != "" && strings.Contains(m.Text, "not enabled") {
			refusals++
		}
	}
	if refusals != 1 {
		t.Errorf("%d refusals in the disabled channel, want exactly 1", refusals)
	}
	if q := h.brain.questions(); len(q) != 1 || q[0] != "works here?" {
		t.Errorf("questions = %q, want only the allowed channel's", q)
	}
}

func TestEveryEnvelopeAckedEvenWhenUnparseable(t *testing.T) {
	h := startBot(t, Config{})
	id := h.slack.SendRaw(slacktest.EnvelopeEventsAPI, []byte(`{"type":"event_callback","event":"not an object"}`))
	h.slack.WaitAcked(t, id, 2*time.Second)
	root := h.slack.Mention("C1", "UHUMAN1", "still alive?")
	h.waitAnswers(t, "C1", root, 1)
}

func TestStopCancelsTheRunningInvestigation(t *testing.T) {
	h := startBot(t, Config{})
	h.brain.mu.Lock()
	h.brain.delay = 5 * time.Second
	h.brain.mu.Unlock()
	root := h.slack.Mention("C1", "UHUMAN1", "slow question")
	h.slack.WaitUntil(t, 5*time.Second, func() bool { return len(h.brain.questions()) == 1 }, "the investigation to start")
	h.slack.ReplyInThread("C1", root, "UHUMAN1", "stop")
	h.slack.WaitForMessage(t, "C1", root, func(m slacktest.Message) bool {
		return m.BotID != "" && strings.Contains(m.Text, "Stopped the current investigation")
	}, 3*time.Second)
	h.slack.WaitForMessage(t, "C1", root, func(m slacktest.Message) bool {
		return m.BotID != "" && strings.Contains(m.Text, "Investigation finished")
	}, 3*time.Second)
	if n := len(h.answers("C1", root)); n != 0 {
		t.Errorf("a stopped investigation still answered (%d answers)", n)
	}
}

func TestAFailedInvestigationShowsAReferenceNotTheError(t *testing.T) {
	cause := errors.New(`model gpt-4o: Post "http://10.1.2.3:8080/v1/chat/completions": dial tcp 10.1.2.3:8080: connect: connection refused`)
	tests := []struct {
		name string
		emit bool // the brain also emits the error as an event, as agent.Loop does
	}{
		{"emitted and returned", true},
		{"returned only", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.WarnLevel)
			h := start(t, setup{log: zap.New(core)})
			h.brain.set(func(b *echoBrain) {
				b.err = cause
				if tt.emit {
					b.before = func(_ string, emit func(agent.Event)) { emit(agent.ErrorEvent{Err: cause}) }
				}
			})
			root := h.slack.Mention("C1", "UHUMAN1", "why is web down?")
			shown := h.botMessage(t, "C1", root, "Something went wrong")
			h.settle(t)
			if strings.Contains(shown.Text, "10.1.2.3") || strings.Contains(shown.Text, "dial tcp") {
				t.Errorf("the thread shows the raw error: %q", shown.Text)
			}
			ref := regexp.MustCompile(`\(ref ([A-Z2-7]{6})\)`).FindStringSubmatch(shown.Text)
			if ref == nil {
				t.Fatalf("the thread is told %q, without a reference to find the error in the log", shown.Text)
			}
			warnings := 0
			for _, m := range h.slack.Thread("C1", root) {
				if m.BotID != "" && strings.HasPrefix(m.Text, ":warning:") {
					warnings++
				}
			}
			if warnings != 1 {
				t.Errorf("%d warnings in the thread, want 1 per failure", warnings)
			}
			logged := logs.FilterField(zap.String("ref", ref[1])).All()
			if len(logged) != 1 || !strings.Contains(fmt.Sprint(logged[0].ContextMap()["error"]), "dial tcp 10.1.2.3:8080") {
				t.Errorf("log entries with ref %s: %+v, want one with the full error", ref[1], logged)
			}
		})
	}
}

func TestAPanickingInvestigationDoesNotTakeTheBotDown(t *testing.T) {
	h := startBot(t, Config{})
	h.brain.set(func(b *echoBrain) {
		b.before = func(q string, emit func(agent.Event)) {
			if q == "boom" {
				panic("a hostile object reached a nil map")
			}
		}
	})
	boom := h.slack.Mention("C1", "UHUMAN1", "boom")
	root := h.slack.Mention("C1", "UHUMAN2", "still there?")
	if got := h.waitAnswers(t, "C1", root, 1); got[0] != `answer to "still there?" (remembered 0)` {
		t.Errorf("answer = %q", got[0])
	}
	// The thread whose investigation panicked keeps working, too.
	h.settle(t)
	h.slack.ReplyInThread("C1", boom, "UHUMAN1", "and now?")
	if got := h.waitAnswers(t, "C1", boom, 1); !strings.Contains(got[0], `answer to "and now?"`) {
		t.Errorf("follow-up answer = %q", got[0])
	}
}
