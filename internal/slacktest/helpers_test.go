package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// waitLong bounds waits for things that should happen at once; generous for -race
// on a shared 2-core machine.
const waitLong = 10 * time.Second

// client is a real socketmode.Client running against the fake.
type client struct {
	smc *socketmode.Client
	api *slack.Client
}

// startClient runs a socketmode.Client against s until the test ends. clientPing is
// its OptionPingInterval: how long it tolerates no ping from the server.
func startClient(t *testing.T, s *Server, clientPing time.Duration) *client {
	t.Helper()
	api := s.Client()
	smc := socketmode.New(api, socketmode.OptionPingInterval(clientPing))
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- smc.RunContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		deadline := time.After(waitLong)
		for {
			select {
			case <-smc.Events: // keep slack-go from blocking while it stops
			case err := <-ran:
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("socketmode RunContext: %v", err)
				}
				return
			case <-deadline:
				t.Errorf("socketmode client did not stop")
				return
			}
		}
	})
	return &client{smc: smc, api: api}
}

// next returns the next event of type typ, skipping others.
func (c *client) next(t *testing.T, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	return c.nextMatch(t, string(typ), func(e socketmode.Event) bool { return e.Type == typ })
}

// nextMatch returns the next event match accepts, skipping others.
func (c *client) nextMatch(t *testing.T, what string, match func(socketmode.Event) bool) socketmode.Event {
	t.Helper()
	deadline := time.After(waitLong)
	for {
		select {
		case e := <-c.smc.Events:
			if e.Type == socketmode.EventTypeDisconnect {
				t.Errorf("a disconnect event reached client.Events")
			}
			if match(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event within %v", what, waitLong)
			return socketmode.Event{}
		}
	}
}

// nextEventsAPI returns the next events_api event, parsed, with its callback.
func (c *client) nextEventsAPI(t *testing.T) (socketmode.Event, slackevents.EventsAPIEvent, *slackevents.EventsAPICallbackEvent) {
	t.Helper()
	e := c.next(t, socketmode.EventTypeEventsAPI)
	api, isAPI := e.Data.(slackevents.EventsAPIEvent)
	if !isAPI {
		t.Fatalf("events_api data is %T", e.Data)
	}
	cb, _ := api.Data.(*slackevents.EventsAPICallbackEvent)
	if cb == nil {
		t.Fatalf("events_api outer data is %T", api.Data)
	}
	return e, api, cb
}

func (c *client) ack(t *testing.T, e socketmode.Event) {
	t.Helper()
	if err := c.smc.Ack(*e.Request); err != nil {
		t.Fatalf("ack %s: %v", e.Request.EnvelopeID, err)
	}
}

// slackErr returns the Slack error code of err, or "" when it is not one.
func slackErr(err error) string {
	if e, isSlack := errors.AsType[slack.SlackErrorResponse](err); isSlack {
		return e.Err
	}
	return ""
}

// jsonField reads one top-level string field of a JSON document.
func jsonField(t *testing.T, raw []byte, path ...string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	for _, k := range path {
		obj, isObj := v.(map[string]any)
		if !isObj {
			return ""
		}
		v = obj[k]
	}
	s, _ := v.(string)
	return s
}

// pongCount is how many pongs the server has received.
func (s *Server) pongCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongs
}

func jsonDecode(resp *http.Response, v any) error {
	return json.NewDecoder(resp.Body).Decode(v)
}
