package slacktest

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// payloadDir holds real Slack payloads shared by the team; it is not in the repo.
const payloadDir = "../../../shared/slack/payloads"

// fixtures returns every JSON fixture by name, skipping the test without the folder.
func fixtures(t *testing.T) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(payloadDir)
	if os.IsNotExist(err) {
		t.Skipf("no Slack payload fixtures at %s (only on the team's dev machines); skipping conformance", payloadDir)
	}
	if err != nil {
		t.Fatalf("read fixtures: %v", err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".json" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(payloadDir, e.Name()))
		if err != nil {
			t.Fatalf("read %s: %v", e.Name(), err)
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = raw
	}
	return out
}

// TestConformance pushes every fixture through the fake into real slack-go: socket
// frames verbatim over the WebSocket, Events API bodies in an envelope, Web API
// responses as the answer to the slack-go call that expects them.
func TestConformance(t *testing.T) {
	all := fixtures(t)
	for _, name := range slices.Sorted(maps.Keys(all)) {
		raw := all[name]
		t.Run(name, func(t *testing.T) {
			kind := strings.TrimPrefix(name, "synth_")
			switch {
			case strings.HasPrefix(kind, "socketmode_apps_connections_open_response"):
				checkConnectionsOpen(t, raw)
			case strings.HasPrefix(kind, "socketmode_ack_"):
				checkAckFrame(t, raw)
			case strings.HasPrefix(kind, "socketmode_"):
				checkSocketFrame(t, raw)
			case strings.HasPrefix(kind, "events_api_"):
				checkEventsAPIBody(t, raw)
			case strings.HasPrefix(kind, "web_"):
				checkWeb(t, kind, raw)
			default:
				t.Errorf("no conformance check for fixture %s", name)
			}
		})
	}
}

// checkSocketFrame sends a server→client frame verbatim and checks what slack-go makes of it.
func checkSocketFrame(t *testing.T, raw []byte) {
	s := New(t)
	c := startClient(t, s, 30*time.Second)
	c.next(t, socketmode.EventTypeHello) // the fake's own
	var want socketmode.Request
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("fixture is not a Socket Mode request: %v", err)
	}
	s.SendFrame(raw)

	switch want.Type {
	case socketmode.RequestTypeHello:
		c.nextMatch(t, "fixture hello", func(e socketmode.Event) bool {
			return e.Type == socketmode.EventTypeHello && e.Request.ConnectionInfo.AppID == want.ConnectionInfo.AppID &&
				e.Request.NumConnections == want.NumConnections
		})
	case socketmode.RequestTypeDisconnect:
		// slack-go never surfaces a disconnect: it drops the socket and reconnects.
		connected := c.next(t, socketmode.EventTypeConnected).Data.(*socketmode.ConnectedEvent)
		if connected.ConnectionCount != 1 {
			t.Errorf("reconnect count = %d, want 1", connected.ConnectionCount)
		}
		s.WaitUntil(t, waitLong, func() bool { return s.Accepted() == 2 }, "slack-go reconnects")
	default:
		e := c.nextMatch(t, "fixture envelope", func(e socketmode.Event) bool {
			return e.Request != nil && e.Request.EnvelopeID == want.EnvelopeID
		})
		c.ack(t, e)
		s.WaitAcked(t, want.EnvelopeID, waitLong)
		if e.Request.RetryAttempt != want.RetryAttempt || e.Request.RetryReason != want.RetryReason {
			t.Errorf("retry = %d %q, want %d %q", e.Request.RetryAttempt, e.Request.RetryReason, want.RetryAttempt, want.RetryReason)
		}
		checkParsed(t, e, want.Payload)
	}
}

// checkParsed checks slack-go parsed an envelope's payload into the right type.
func checkParsed(t *testing.T, e socketmode.Event, payload json.RawMessage) {
	t.Helper()
	switch data := e.Data.(type) {
	case slackevents.EventsAPIEvent:
		if want := jsonField(t, payload, "event", "type"); data.InnerEvent.Type != want || data.InnerEvent.Data == nil {
			t.Errorf("inner event %q (%T), want %q", data.InnerEvent.Type, data.InnerEvent.Data, want)
		}
	case slack.InteractionCallback:
		var want struct {
			Type    string
			Actions []struct {
				ActionID string `json:"action_id"`
			}
		}
		_ = json.Unmarshal(payload, &want)
		if string(data.Type) != want.Type || len(data.ActionCallback.BlockActions) != len(want.Actions) ||
			data.ActionCallback.BlockActions[0].ActionID != want.Actions[0].ActionID {
			t.Errorf("interaction = %s %+v, want %+v", data.Type, data.ActionCallback.BlockActions, want)
		}
	case slack.SlashCommand:
		if want := jsonField(t, payload, "command"); data.Command != want {
			t.Errorf("command = %q, want %q", data.Command, want)
		}
	default:
		t.Errorf("%s event carries %T", e.Type, e.Data)
	}
}

// checkEventsAPIBody wraps an Events API body in an events_api envelope.
func checkEventsAPIBody(t *testing.T, raw []byte) {
	var head struct {
		Type  string          `json:"type"`
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		t.Fatal(err)
	}
	body := raw
	if head.Event == nil && head.Type != "app_rate_limited" { // an inner event alone
		body = mustJSON(object{"token": "x", "team_id": "T1", "api_app_id": "A1", "event": json.RawMessage(raw),
			"type": "event_callback", "event_id": "Ev1", "event_time": 1})
	}
	s := New(t)
	c := startClient(t, s, 30*time.Second)
	id := s.SendRaw(EnvelopeEventsAPI, body)
	e := c.next(t, socketmode.EventTypeEventsAPI)
	c.ack(t, e)
	s.WaitAcked(t, id, waitLong)
	data := e.Data.(slackevents.EventsAPIEvent)
	if head.Type == "app_rate_limited" {
		if rl, isRL := data.Data.(*slackevents.EventsAPIAppRateLimited); !isRL || rl.MinuteRateLimited == 0 {
			t.Errorf("app_rate_limited parsed as %#v", data.Data)
		}
		return
	}
	checkParsed(t, e, body)
}

// checkAckFrame writes a client ack verbatim and checks the fake records it.
func checkAckFrame(t *testing.T, raw []byte) {
	s := New(t)
	ws := dialRaw(t, s)
	readFrame(t, ws) // hello
	id := jsonField(t, raw, "envelope_id")
	s.SendFrame(mustJSON(object{"envelope_id": id, "type": "slash_commands", "payload": object{"command": "/x"}, "accepts_response_payload": true}))
	readFrame(t, ws)
	if err := ws.WriteMessage(1, raw); err != nil {
		t.Fatal(err)
	}
	s.WaitAcked(t, id, waitLong)
	var want struct{ Payload json.RawMessage }
	_ = json.Unmarshal(raw, &want)
	if got := s.Deliveries()[0].AckPayload; want.Payload != nil && !jsonEqual(t, got, want.Payload) {
		t.Errorf("ack payload = %s, want %s", got, want.Payload)
	}
}

func checkConnectionsOpen(t *testing.T, raw []byte) {
	s := New(t)
	s.RespondNext("apps.connections.open", raw)
	_, url, err := s.Client().StartSocketModeContext(t.Context())
	if want := jsonField(t, raw, "url"); err != nil || url != want {
		t.Errorf("url = %q (%v), want %q", url, err, want)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return cmp.Equal(x, y)
}
