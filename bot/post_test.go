package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
	"github.com/kubertnetes/kubertnetes/kube"
)

func TestPostsArePacedPerChannelAndNeverDropped(t *testing.T) {
	const every = 200 * time.Millisecond
	clock := newFakeClock() // it moves only when the test says so
	h := start(t, setup{cfg: Config{PostInterval: every}, clock: clock})
	ctx := context.Background()
	root := h.slack.Post("CBUSY", "UHUMAN1", "a busy channel")
	quiet := h.slack.Post("CQUIET", "UHUMAN1", "a quiet channel")
	statusTS := h.bot.reply(ctx, "CBUSY", root, "status")
	busy := func() int {
		n := 0
		for _, m := range h.slack.Thread("CBUSY", root) {
			if m.BotID != "" && strings.HasPrefix(m.Text, "busy") {
				n++
			}
		}
		return n
	}

	var wg sync.WaitGroup
	const burst = 10
	for i := range burst {
		wg.Go(func() { h.bot.reply(ctx, "CBUSY", root, fmt.Sprintf("busy %d", i)) })
	}
	// The status took one of postBurst tokens; the rest of the burst goes
	// out at once and the others queue, one per interval.
	queued := burst - (postBurst - 1)
	h.slack.WaitUntil(t, 10*time.Second, func() bool { return busy() == postBurst-1 && clock.waiting() == queued },
		"%d posts sent and %d queued in the busy channel", postBurst-1, queued)
	// Neither a post in another channel nor an edit (tier 3, not paced) waits
	// behind the queue: both go out while the clock stands still.
	within(t, "a post in a quiet channel", func() { h.bot.reply(ctx, "CQUIET", quiet, "quiet 0") })
	within(t, "5 chat.update calls in the busy channel", func() {
		for i := range 5 {
			if err := h.bot.update(ctx, "CBUSY", statusTS, slack.MsgOptionText(fmt.Sprintf("status %d", i), false)); err != nil {
				t.Error(err)
			}
		}
	})
	for sent := 1; sent <= queued; sent++ {
		clock.advance(every)
		if n := clock.waiting(); n != queued-sent {
			t.Fatalf("after %v, %d posts still wait, want %d: one post per %v", time.Duration(sent)*every, n, queued-sent, every)
		}
		h.slack.WaitUntil(t, 10*time.Second, func() bool { return busy() >= postBurst-1+sent }, "post %d of the queue", sent)
	}
	wg.Wait()
	if n := busy(); n != burst {
		t.Fatalf("%d of %d messages posted in the busy channel; pacing must queue, never drop", n, burst)
	}
}

func TestRateLimitedPostIsRetriedAndDelivered(t *testing.T) {
	h := startBot(t, Config{})
	h.slack.RateLimit("chat.postMessage", 1, time.Second)
	start := time.Now()
	root := h.slack.Mention("C1", "UHUMAN1", "are you there?")
	h.waitAnswers(t, "C1", root, 1)
	if took := time.Since(start); took < time.Second {
		t.Errorf("answered in %v, before the 1s Retry-After was over", took)
	}
	status := h.botMessage(t, "C1", root, "Investigat")
	if status.TS == "" {
		t.Error("the rate-limited status message was never delivered")
	}
	// 1 refused + status + answer.
	if n := h.slack.Calls("chat.postMessage"); n != 3 {
		t.Errorf("chat.postMessage called %d times, want 3 (one 429, then the status and the answer)", n)
	}
}

func TestSlackErrorsOnDecorationsNeverBreakTheFlow(t *testing.T) {
	h := startBot(t, Config{})
	for _, code := range []string{"channel_not_found", "not_allowed", "ratelimited"} {
		h.slack.FailNext("assistant.threads.setStatus", code)
	}
	h.slack.FailNext("reactions.add", "not_reactable")
	for i := range 3 {
		root := h.slack.Mention("C1", "UHUMAN1", fmt.Sprintf("question %d", i))
		h.waitAnswers(t, "C1", root, 1)
	}
	if n := h.slack.Calls("assistant.threads.setStatus"); n != 3 {
		t.Errorf("setStatus called %d times, want once per question", n)
	}
}

func TestAnswerShowsTokensAndEstimatedCost(t *testing.T) {
	tests := []struct {
		name  string
		price Price
		want  string
		not   string
	}{
		{"price known", Price{Prompt: 0.15, Completion: 0.60}, "1 model calls, 1000 prompt + 100 completion tokens · ≈ $0.0002", ""},
		{"price unknown", Price{}, "1 model calls, 1000 prompt + 100 completion tokens", "≈"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startBot(t, Config{Price: tt.price})
			root := h.slack.Mention("C1", "UHUMAN1", "how much?")
			m := h.botMessage(t, "C1", root, "answer to")
			if !strings.Contains(string(m.BlocksJSON), tt.want) {
				t.Errorf("answer blocks lack %q:\n%s", tt.want, m.BlocksJSON)
			}
			if tt.not != "" && strings.Contains(string(m.BlocksJSON), tt.not) {
				t.Errorf("answer blocks have %q without a price:\n%s", tt.not, m.BlocksJSON)
			}
		})
	}
}

// finding is a critical finding on pod name.
func finding(name string, evidence ...string) kube.Finding {
	return kube.Finding{Object: kube.ObjectRef{Kind: "Pod", Namespace: "shop", Name: name}, Severity: kube.Critical,
		Reason: "CrashLoopBackOff", Message: name + " keeps crashing", Evidence: evidence, Docs: "https://kubernetes.io/docs/", Fix: "fix the config"}
}

func TestManyFindingsAreBatched(t *testing.T) {
	h := startBot(t, Config{})
	h.brain.set(func(b *echoBrain) {
		b.before = func(_ string, emit func(agent.Event)) {
			for i := range 30 {
				emit(agent.FindingEvent{Finding: finding(fmt.Sprintf("pod-%02d", i), "exit code 1")})
			}
			emit(agent.FindingEvent{Finding: finding("pod-00")}) // a repeat
		}
	})
	root := h.slack.Mention("C1", "UHUMAN1", "what is broken?")
	h.waitAnswers(t, "C1", root, 1)
	var alone, lists int
	var list slacktest.Message
	for _, m := range h.slack.Thread("C1", root) {
		switch {
		case m.BotID == "":
		case strings.Contains(m.Text, "more finding(s)"):
			lists++
			list = m
		case strings.Contains(m.Text, "CrashLoopBackOff"):
			alone++
		}
	}
	if alone != findingsAlone || lists != 1 {
		t.Fatalf("%d findings posted alone and %d list messages, want %d and 1", alone, lists, findingsAlone)
	}
	if !strings.HasPrefix(list.Text, "25 more finding(s)") || !strings.Contains(list.Text, "pod-29") {
		t.Errorf("list message = %q, want the other 25 findings", list.Text)
	}
}

func TestHugeOutputFitsSlackLimits(t *testing.T) {
	huge := strings.Repeat("x", 200_000)
	lines := strings.Repeat("a line of a very long answer ```with fences``` and <@U123> mentions\n", 3000)
	bigFinding := finding("big", strings.Split(strings.Repeat("evidence line\n", 5000), "\n")...)
	bigFinding.Message = huge
	bigFinding.Fix = huge
	// The largest diff offered, in parts before the proposal message.
	big := proposal("fix-big", strings.Repeat("n", 253))
	big.Preview.Diff = lines[:maxDiffChars]
	big.Preview.Fix.Rationale, big.Preview.Fix.Risk, big.Preview.Fix.Expected = huge, huge, huge
	bigView, err := renderProposal(big)
	if err != nil {
		t.Fatal(err)
	}
	// The most steps a plan has: the fix and 20 restarts, sharing the largest diff.
	planned := proposal("fix-plan", "web")
	planned.Preview.Diff = lines[:maxDiffChars/21]
	for range 20 {
		step := planned.Preview
		step.Fix.Operation, step.Fix.Rationale = kube.OpRolloutRestart, huge
		planned.Then = append(planned.Then, step)
	}
	plannedView, err := renderProposal(planned)
	if err != nil {
		t.Fatal(err)
	}
	var many []kube.Finding
	for i := range 2000 {
		many = append(many, finding(fmt.Sprintf("pod-%04d-%s", i, strings.Repeat("y", 200))))
	}
	steps := make([]string, 200)
	for i := range steps {
		steps[i] = stepLine(agent.Progress{Tool: "logs", Target: huge[:500], Done: true, Err: huge})
	}
	type rendered = message
	render := func(text string, blocks []slack.Block) rendered { return rendered{text, blocks} }
	tests := []struct {
		name string
		got  rendered
	}{
		{"answer without line breaks", render(renderAnswer(agent.Answer{Text: huge}, agent.Usage{Requests: 3, PromptTokens: 1e6}, Price{Prompt: 1}))},
		{"answer of many lines", render(renderAnswer(agent.Answer{Text: lines}, agent.Usage{}, Price{}))},
		{"finding", render(renderFinding(bigFinding))},
		{"finding list", render(renderFindingList(many))},
		{"proposal", rendered(bigView.proposal)},
		{"decided proposal", rendered(renderDecided(big, huge[:maxSectionText]))},
		{"proposal of 21 steps", rendered(plannedView.proposal)},
		{"status", render(renderStatus(steps, false))},
	}
	for i, m := range append(bigView.parts, plannedView.parts...) {
		tests = append(tests, struct {
			name string
			got  rendered
		}{fmt.Sprintf("diff message %d", i+1), m})
	}
	h := startBot(t, Config{})
	api := h.slack.Client()
	// The fake refuses what Slack refuses, so an accepted post means a fit.
	if _, _, err := api.PostMessage("C1", slack.MsgOptionBlocks(slack.NewSectionBlock(
		slack.NewTextBlockObject(slack.MarkdownType, huge[:maxSectionText+1], false, false), nil, nil))); err == nil || err.Error() != "invalid_blocks" {
		t.Fatalf("an over-long section was not refused (err %v); the test would prove nothing", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := len([]rune(tt.got.text)); n > maxText {
				t.Errorf("text is %d characters, want at most %d", n, maxText)
			}
			if n := len(tt.got.blocks); n > maxBlocks {
				t.Errorf("%d blocks, want at most %d", n, maxBlocks)
			}
			_, ts, err := api.PostMessage("C1", slack.MsgOptionText(tt.got.text, false), slack.MsgOptionBlocks(tt.got.blocks...))
			if err != nil {
				t.Fatalf("Slack refused the message: %v", err)
			}
			if _, _, _, err := api.UpdateMessage("C1", ts, slack.MsgOptionText(tt.got.text, false), slack.MsgOptionBlocks(tt.got.blocks...)); err != nil {
				t.Errorf("Slack refused the update: %v", err)
			}
		})
	}
}

func TestProposalOfStepsShowsEveryDiffAndOneDecision(t *testing.T) {
	p := proposal("fix-cm", "faulty-app-config")
	p.Preview.Kind, p.Preview.Diff = "ConfigMap", "-  BACKEND_URL: http://backend-svc\n+  BACKEND_URL: http://backend-service"
	restart := proposal("x", "faulty-app").Preview
	restart.Fix.Operation, restart.Fix.Rationale, restart.Diff = kube.OpRolloutRestart, "its pods read configmap/faulty-app-config (envFrom of container checker) only when they start", "+        kubectl.kubernetes.io/restartedAt: now"
	p.Then = []kube.Preview{restart}
	view, err := renderProposal(p)
	if err != nil {
		t.Fatal(err)
	}
	blocks := view.proposal.blocks
	var all strings.Builder
	buttons := 0
	for _, b := range blocks {
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(j)
		buttons += strings.Count(string(j), `"action_id":"`+actionApprove+`"`)
	}
	for _, want := range []string{"2 steps", "Step 1 of 2", "backend-service", "Step 2 of 2", "rollout-restart", "restartedAt", "envFrom of container checker"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the proposal does not show %q: %s", want, all.String())
		}
	}
	if buttons != 1 {
		t.Errorf("%d Approve buttons, want one for all the steps", buttons)
	}
}
