package slacktest

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestHelloThenMentionParsedAndAcked(t *testing.T) {
	s := New(t, MentionAlsoMessage(false))
	c := startClient(t, s, 30*time.Second)

	hello := c.next(t, socketmode.EventTypeHello)
	if got := hello.Request.ConnectionInfo.AppID; got != s.AppID() {
		t.Errorf("hello app_id = %q, want %q", got, s.AppID())
	}
	if got := hello.Request.NumConnections; got != 1 {
		t.Errorf("hello num_connections = %d, want 1", got)
	}

	ts := s.Mention("C111", "U222", "why is checkout crashing?")
	e, api, cb := c.nextEventsAPI(t)
	c.ack(t, e)
	s.WaitAcked(t, e.Request.EnvelopeID, waitLong)

	mention, isMention := api.InnerEvent.Data.(*slackevents.AppMentionEvent)
	if !isMention {
		t.Fatalf("inner event is %T, want *slackevents.AppMentionEvent", api.InnerEvent.Data)
	}
	if mention.TimeStamp != ts || mention.Channel != "C111" || mention.User != "U222" || mention.ThreadTimeStamp != "" {
		t.Errorf("app_mention = %+v, want ts %s in C111 by U222 with no thread_ts", mention, ts)
	}
	if want := "<@UBOT111> why is checkout crashing?"; mention.Text != want {
		t.Errorf("text = %q, want %q", mention.Text, want)
	}
	if cb.EventID == "" || cb.APIAppID != s.AppID() || cb.TeamID != s.TeamID() {
		t.Errorf("callback = %+v", cb)
	}
	d := s.Deliveries()
	if len(d) != 1 || !d[0].Acked || d[0].AckLatency <= 0 || d[0].EventID != cb.EventID || d[0].EventType != "app_mention" {
		t.Errorf("deliveries = %+v", d)
	}

	// The human message is in history, so the bot can read the thread.
	msgs, _, _, err := c.api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C111", Timestamp: ts})
	if err != nil || len(msgs) != 1 || msgs[0].User != "U222" {
		t.Fatalf("conversations.replies = %+v, %v", msgs, err)
	}
}

func TestOneMentionTwoEvents(t *testing.T) {
	s := New(t)
	c := startClient(t, s, 30*time.Second)
	ts := s.Mention("C111", "U222", "hello")

	got := map[string]string{} // inner type → event_id
	for range 2 {
		e, api, cb := c.nextEventsAPI(t)
		c.ack(t, e)
		switch inner := api.InnerEvent.Data.(type) {
		case *slackevents.AppMentionEvent:
			if inner.TimeStamp != ts {
				t.Errorf("app_mention ts = %s, want %s", inner.TimeStamp, ts)
			}
		case *slackevents.MessageEvent:
			if inner.TimeStamp != ts || inner.SubType != "" || inner.ChannelType != "channel" {
				t.Errorf("message = %+v, want ts %s, no subtype, channel_type channel", inner, ts)
			}
		}
		got[api.InnerEvent.Type] = cb.EventID
	}
	if len(got) != 2 || got["app_mention"] == got["message"] {
		t.Errorf("events = %v, want app_mention and message with different event ids", got)
	}
}

func TestMentionInDMIsOnlyAMessage(t *testing.T) {
	s := New(t)
	c := startClient(t, s, 30*time.Second)
	s.Mention("D111", "U222", "hi")
	_, api, _ := c.nextEventsAPI(t)
	if msg, isMsg := api.InnerEvent.Data.(*slackevents.MessageEvent); !isMsg || msg.ChannelType != "im" {
		t.Fatalf("inner = %#v, want a message.im event", api.InnerEvent.Data)
	}
	if d := s.Deliveries(); len(d) != 1 {
		t.Errorf("%d envelopes for a mention in a DM, want 1 (message.im): %+v", len(d), d)
	}
}

func TestUnackedEventIsRedelivered(t *testing.T) {
	t.Run("acked on first retry", func(t *testing.T) {
		s := New(t, AckTimeout(150*time.Millisecond), MentionAlsoMessage(false))
		c := startClient(t, s, 30*time.Second)
		s.Mention("C111", "U222", "hi")

		first, _, cb1 := c.nextEventsAPI(t) // not acked
		retry, _, cb2 := c.nextEventsAPI(t)
		c.ack(t, retry)
		if retry.Request.RetryAttempt != 1 || retry.Request.RetryReason != "timeout" {
			t.Errorf("retry = attempt %d reason %q, want 1 timeout", retry.Request.RetryAttempt, retry.Request.RetryReason)
		}
		if retry.Request.EnvelopeID == first.Request.EnvelopeID || cb1.EventID != cb2.EventID {
			t.Errorf("retry envelope %s event %s; first envelope %s event %s: want new envelope, same event",
				retry.Request.EnvelopeID, cb2.EventID, first.Request.EnvelopeID, cb1.EventID)
		}
		s.WaitAcked(t, retry.Request.EnvelopeID, waitLong)
		if n := s.Outstanding(); n != 0 {
			t.Errorf("%d envelopes still awaiting an ack or a redelivery after the retry was acked, want 0", n)
		}
		d := s.Deliveries()
		if len(d) != 2 || d[0].Acked || !d[1].Acked {
			t.Errorf("deliveries = %+v", d)
		}
	})
	t.Run("gives up after three retries", func(t *testing.T) {
		s := New(t, AckTimeout(50*time.Millisecond), MentionAlsoMessage(false))
		c := startClient(t, s, 30*time.Second)
		s.Post("C111", "U222", "never acked")
		for want := range 4 {
			e, _, _ := c.nextEventsAPI(t)
			if e.Request.RetryAttempt != want {
				t.Errorf("delivery %d has retry_attempt %d", want, e.Request.RetryAttempt)
			}
		}
		s.WaitUntil(t, waitLong, func() bool { return s.Outstanding() == 0 }, "the server gives up on the event")
		if d := s.Deliveries(); len(d) != 4 {
			t.Errorf("%d deliveries, want 4 (the first and three retries): %+v", len(d), d)
		}
	})
}

func TestDisconnectReconnectsAndDeliversQueued(t *testing.T) {
	for _, reason := range []string{"refresh_requested", "warning", "link_disabled", "too_many_websockets"} {
		t.Run(reason, func(t *testing.T) {
			s := New(t, MentionAlsoMessage(false))
			c := startClient(t, s, 30*time.Second)
			first := c.next(t, socketmode.EventTypeConnected).Data.(*socketmode.ConnectedEvent)
			s.WaitConnected(t, 1)

			s.Disconnect(reason)
			ts := s.Post("C111", "U222", "sent while reconnecting")

			second := c.next(t, socketmode.EventTypeConnected).Data.(*socketmode.ConnectedEvent)
			if second.Info.URL == first.Info.URL {
				t.Errorf("reconnected to the same URL %s", second.Info.URL)
			}
			e, api, _ := c.nextEventsAPI(t)
			c.ack(t, e)
			if msg := api.InnerEvent.Data.(*slackevents.MessageEvent); msg.TimeStamp != ts {
				t.Errorf("got message %s, want %s", msg.TimeStamp, ts)
			}
			if got := s.Calls("apps.connections.open"); got != 2 {
				t.Errorf("apps.connections.open called %d times, want 2", got)
			}
		})
	}
}

func TestDropConnectionsLosesNothing(t *testing.T) {
	s := New(t, AckTimeout(200*time.Millisecond), MentionAlsoMessage(false))
	c := startClient(t, s, 30*time.Second)
	c.next(t, socketmode.EventTypeHello)

	s.Post("C111", "U222", "acked before the drop")
	e, _, _ := c.nextEventsAPI(t)
	c.ack(t, e)
	s.WaitAcked(t, e.Request.EnvelopeID, waitLong)

	unacked := s.Post("C111", "U222", "read but not acked before the drop")
	c.nextEventsAPI(t)
	s.DropConnections()
	queued := s.Post("C111", "U222", "sent while dropped")

	seen := map[string]int{} // ts → retry attempt
	for len(seen) < 2 {
		e, api, _ := c.nextEventsAPI(t)
		c.ack(t, e)
		seen[api.InnerEvent.Data.(*slackevents.MessageEvent).TimeStamp] = e.Request.RetryAttempt
	}
	if attempt, got := seen[unacked]; !got || attempt != 1 {
		t.Errorf("un-acked message: seen %v attempt %d, want redelivery with retry_attempt 1", got, attempt)
	}
	if attempt, got := seen[queued]; !got || attempt != 0 {
		t.Errorf("queued message: seen %v attempt %d, want first delivery", got, attempt)
	}
	if s.Accepted() != 2 {
		t.Errorf("accepted %d sockets, want 2", s.Accepted())
	}
}

func TestPingsKeepClientConnected(t *testing.T) {
	t.Run("pinged", func(t *testing.T) {
		s := New(t, PingInterval(50*time.Millisecond))
		c := startClient(t, s, 300*time.Millisecond)
		c.next(t, socketmode.EventTypeHello)
		// 20 pongs take 1s of pings: over 3 of the client's ping timeouts.
		s.WaitUntil(t, waitLong, func() bool { return s.pongCount() >= 20 }, "the client answers 20 pings")
		if s.Accepted() != 1 || s.Calls("apps.connections.open") != 1 {
			t.Errorf("accepted %d, opened %d: want one connection", s.Accepted(), s.Calls("apps.connections.open"))
		}
	})
	t.Run("not pinged reconnects in a loop", func(t *testing.T) {
		s := New(t, PingInterval(time.Hour))
		startClient(t, s, 100*time.Millisecond)
		s.WaitUntil(t, waitLong, func() bool { return s.Accepted() >= 3 }, "the client reconnects without pings")
	})
}

func TestEventsQueuedBeforeConnectArriveAfterHello(t *testing.T) {
	s := New(t, MentionAlsoMessage(false))
	ts := s.Post("C111", "U222", "before anyone listened")
	c := startClient(t, s, 30*time.Second)
	e := c.nextMatch(t, "hello or events_api", func(e socketmode.Event) bool {
		return e.Type == socketmode.EventTypeHello || e.Type == socketmode.EventTypeEventsAPI
	})
	if e.Type != socketmode.EventTypeHello {
		t.Fatalf("first frame is %s, want hello", e.Type)
	}
	_, api, _ := c.nextEventsAPI(t)
	if got := api.InnerEvent.Data.(*slackevents.MessageEvent).TimeStamp; got != ts {
		t.Errorf("ts = %s, want %s", got, ts)
	}
}

func TestUnparseablePayloadMustBeAckedFromRawEnvelope(t *testing.T) {
	s := New(t)
	c := startClient(t, s, 30*time.Second)
	id := s.SendRaw(EnvelopeEventsAPI, []byte("{not json"))
	e := c.next(t, socketmode.EventTypeErrorBadMessage)
	bad := e.Data.(*socketmode.ErrorBadMessage)
	if e.Request != nil {
		t.Errorf("bad message carries a Request: %+v", e.Request)
	}
	raw := jsonField(t, bad.Message, "envelope_id")
	if raw != id {
		t.Fatalf("raw envelope_id = %q, want %q", raw, id)
	}
	if err := c.smc.Ack(socketmode.Request{EnvelopeID: raw}); err != nil {
		t.Fatal(err)
	}
	s.WaitAcked(t, id, waitLong)
}

func TestEachPayloadGoesToOneConnection(t *testing.T) {
	s := New(t, MentionAlsoMessage(false))
	clients := []*client{startClient(t, s, 30*time.Second), startClient(t, s, 30*time.Second)}
	s.WaitConnected(t, 2)
	const n = 6
	for i := range n {
		s.Post("C111", "U222", strings.Repeat("x", i+1))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	received := func() int {
		mu.Lock()
		defer mu.Unlock()
		total := 0
		for _, times := range seen {
			total += times
		}
		return total
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			for {
				select {
				case e := <-c.smc.Events:
					if e.Type == socketmode.EventTypeEventsAPI {
						_ = c.smc.Ack(*e.Request)
						mu.Lock()
						seen[e.Request.EnvelopeID]++
						mu.Unlock()
					}
				case <-stop:
					return
				}
			}
		})
	}
	s.WaitUntil(t, waitLong, func() bool { return received() >= n && s.Outstanding() == 0 }, "%d envelopes received and acked", n)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n {
		t.Errorf("got %d distinct envelopes, want %d", len(seen), n)
	}
	for id, times := range seen {
		if times != 1 {
			t.Errorf("envelope %s delivered %d times", id, times)
		}
	}
}

func TestAckWithPayloadIsRecorded(t *testing.T) {
	s := New(t)
	c := startClient(t, s, 30*time.Second)
	id := s.SendRaw(EnvelopeSlashCommands, []byte(`{"command":"/kubertnetes","text":"status","user_id":"U222","channel_id":"C111"}`))
	e := c.next(t, socketmode.EventTypeSlashCommand)
	if cmd := e.Data.(slack.SlashCommand); cmd.Command != "/kubertnetes" || !e.Request.AcceptsResponsePayload {
		t.Fatalf("slash command = %+v, accepts_response_payload %v", cmd, e.Request.AcceptsResponsePayload)
	}
	if err := c.smc.Ack(*e.Request, map[string]string{"text": "ok"}); err != nil {
		t.Fatal(err)
	}
	s.WaitAcked(t, id, waitLong)
	var payload map[string]string
	if err := json.Unmarshal(s.Deliveries()[0].AckPayload, &payload); err != nil || payload["text"] != "ok" {
		t.Errorf("ack payload = %s (%v)", s.Deliveries()[0].AckPayload, err)
	}
}

// slack-go answers pings only while its reader runs, and the reader stops when
// client.Events (50 slots) is full: a bot that does not drain Events promptly loses
// its connection to the ping timeout, and un-acked events come back as retries.
func TestSlowConsumerStarvesPings(t *testing.T) {
	s := New(t, PingInterval(50*time.Millisecond), MentionAlsoMessage(false))
	c := startClient(t, s, 300*time.Millisecond)
	c.next(t, socketmode.EventTypeHello)
	for range 60 {
		s.Post("C111", "U222", "flood")
	}
	s.WaitUntil(t, waitLong, func() bool { return s.Connections() == 0 }, "slack-go drops the starved connection")
	c.next(t, socketmode.EventTypeConnected) // once drained, it reconnects
}
