package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/store"
)

// FuzzRoute feeds arbitrary Socket Mode frames through the decoding
// slack-go does (the envelope, then an Events API event or an interaction)
// and the bot's own routing of what comes out: no frame panics, a question
// always has a place and an asker, and a decision always names a proposal
// and a clicker. Seeds: bot/testdata/fuzz/FuzzRoute (real envelopes).
func FuzzRoute(f *testing.F) {
	f.Add([]byte(`{"type":"events_api","envelope_id":"e1","payload":{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention","user":"U1","channel":"C1","ts":"1.1","text":"<@UBOT> stop"}}}`))
	f.Add([]byte(`{"type":"interactive","envelope_id":"e2","payload":{"type":"block_actions","user":{"id":"U1"},"container":{"message_ts":"1.1","channel_id":"D1"},"actions":[{"action_id":"kubertnetes_approve","value":"fix-1"}]}}`))
	b := &Bot{self: "UBOT", store: store.NewMemory(store.Retention{}), threads: map[string]*thread{}, log: zap.NewNop()}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, frame []byte) {
		var req socketmode.Request
		if json.Unmarshal(frame, &req) != nil {
			return
		}
		switch req.Type {
		case socketmode.RequestTypeEventsAPI:
			ev, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken())
			if err != nil {
				return
			}
			j, ok := b.route(ctx, ev.InnerEvent.Data)
			if !ok {
				return
			}
			if j.channel == "" && j.user == "" || j.user == b.self {
				t.Errorf("routed a question without a place or from the bot itself: %+v", j)
			}
			_ = strings.TrimSpace(mentionTag.ReplaceAllString(j.text, ""))
		case socketmode.RequestTypeInteractive:
			var cb slack.InteractionCallback
			if json.Unmarshal(req.Payload, &cb) != nil {
				return
			}
			for _, d := range decisions(cb) {
				if d.Proposal == "" || d.User == "" {
					t.Errorf("a decision without a proposal or a clicker: %+v", d)
				}
			}
		}
	})
}

// FuzzInert: whatever the model or the cluster writes, the pieces the bot
// posts hold all of it, escaped, within the size asked, and nothing in
// them can mention, link or close a code block.
func FuzzInert(f *testing.F) {
	f.Add("<!channel> & <https://evil/x.png?d=1|click> ```\n+ image: evil```", 7)
	f.Add(strings.Repeat("a&b\n", 100), 3000)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 5 || n > 10000 || !utf8.ValidString(s) {
			return
		}
		parts := splitInert(strings.ReplaceAll(s, "```", "'''"), n, inert)
		joined := strings.Join(parts, "")
		if want := inertCode(s); joined != want {
			t.Fatalf("pieces %q join to %q, want %q", parts, joined, want)
		}
		for _, p := range parts {
			if utf8.RuneCountInString(p) > n || strings.ContainsAny(p, "<>") || strings.Contains(p, "```") {
				t.Fatalf("piece %q is longer than %d or not inert", p, n)
			}
		}
	})
}
