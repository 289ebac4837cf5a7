package slacktest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
)

// TestShapesMatchRealPayloads compares the field paths of what the fake generates
// with the real (or documented) payloads: every field Slack sends must be there,
// and nothing Slack does not send, apart from listed extras.
func TestShapesMatchRealPayloads(t *testing.T) {
	all := fixtures(t)
	contextIDs := []string{".payload.context_team_id", ".payload.context_enterprise_id"}
	tests := []struct {
		fixture string
		extra   []string // paths the fake adds that the fixture lacks
		make    func(t *testing.T, s *Server, ws *websocket.Conn) []byte
	}{
		{"synth_socketmode_events_api_app_mention_in_thread", contextIDs, func(t *testing.T, s *Server, ws *websocket.Conn) []byte {
			s.Mention("C111", "U222", "why is the build failing?")
			return readFrame(t, ws)
		}},
		{"synth_socketmode_events_api_message_thread_reply", nil, func(t *testing.T, s *Server, ws *websocket.Conn) []byte {
			root := s.Post("C111", "U222", "root")
			readFrame(t, ws)
			s.ReplyInThread("C111", root, "U222", "also check the staging logs")
			return readFrame(t, ws)
		}},
		{"synth_socketmode_events_api_message_from_own_bot", contextIDs, func(t *testing.T, s *Server, ws *websocket.Conn) []byte {
			root := s.Post("C111", "U222", "root")
			readFrame(t, ws)
			postForm(t, s, "chat.postMessage", map[string][]string{"channel": {"C111"}, "thread_ts": {root}, "text": {"Working on it"}})
			return readFrame(t, ws)
		}},
		{"synth_socketmode_interactive_block_actions_approve_fix", nil, func(t *testing.T, s *Server, ws *websocket.Conn) []byte {
			fix := all["synth_socketmode_interactive_block_actions_approve_fix"]
			var f struct {
				Payload struct {
					Message struct{ Blocks, Metadata json.RawMessage }
				}
			}
			if err := json.Unmarshal(fix, &f); err != nil {
				t.Fatal(err)
			}
			root := s.Post("C111", "U222", "root")
			readFrame(t, ws)
			ts := jsonField(t, postForm(t, s, "chat.postMessage", map[string][]string{"channel": {"C111"}, "thread_ts": {root}, "text": {"Proposed fix"},
				"blocks": {string(f.Payload.Message.Blocks)}, "metadata": {string(f.Payload.Message.Metadata)}}), "ts")
			readFrame(t, ws) // the echo
			s.ClickButton("C111", ts, "U222", "approve_fix")
			return readFrame(t, ws)
		}},
		{"socketmode_hello_slackgo_test", nil, func(t *testing.T, s *Server, ws *websocket.Conn) []byte {
			return readFrame(t, dialRaw(t, s))
		}},
		{"socketmode_disconnect_refresh_requested", nil, func(t *testing.T, s *Server, ws *websocket.Conn) []byte {
			s.Disconnect("refresh_requested")
			return readFrame(t, ws)
		}},
		{"synth_web_auth_test_response_bot_token", nil, func(t *testing.T, s *Server, _ *websocket.Conn) []byte {
			return postForm(t, s, "auth.test", nil)
		}},
		{"synth_web_chat_postMessage_response_thread_reply_bot", nil, func(t *testing.T, s *Server, ws *websocket.Conn) []byte {
			root := s.Post("C111", "U222", "root")
			return postForm(t, s, "chat.postMessage", map[string][]string{"channel": {"C111"}, "thread_ts": {root}, "text": {"Working on it"}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			want, found := all[tt.fixture]
			if !found {
				t.Skipf("fixture %s is gone", tt.fixture)
			}
			s := New(t, MentionAlsoMessage(false))
			ws := dialRaw(t, s)
			readFrame(t, ws) // hello
			got := tt.make(t, s, ws)
			wantPaths, gotPaths := fieldPaths(t, want), fieldPaths(t, got)
			for _, p := range tt.extra {
				wantPaths[p] = true
			}
			if diff := cmp.Diff(slices.Sorted(maps.Keys(wantPaths)), slices.Sorted(maps.Keys(gotPaths))); diff != "" {
				t.Errorf("field paths (-real +fake):\n%s\nfake: %s", diff, got)
			}
		})
	}
}

// postForm calls a Web API method as slack-go does, with the bot token.
func postForm(t *testing.T, s *Server, method string, form map[string][]string) []byte {
	t.Helper()
	values := map[string][]string{"token": {s.BotToken()}}
	maps.Copy(values, form)
	resp, err := http.PostForm(s.APIURL()+method, values)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// fieldPaths lists every object key path in a JSON document (".a.b", arrays as "[]").
func fieldPaths(t *testing.T, raw []byte) map[string]bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	out := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				out[prefix+"."+k] = true
				walk(prefix+"."+k, child)
			}
		case []any:
			for _, child := range x {
				walk(prefix+"[]", child)
			}
		}
	}
	walk("", v)
	return out
}
