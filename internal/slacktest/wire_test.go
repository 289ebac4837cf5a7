package slacktest

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// dialRaw opens a Socket Mode connection the way slack-go does, with a plain
// gorilla/websocket client, so tests can see the frames themselves.
func dialRaw(t *testing.T, s *Server) *websocket.Conn {
	t.Helper()
	_, url, err := s.Client().StartSocketModeContext(context.Background())
	if err != nil {
		t.Fatalf("apps.connections.open: %v", err)
	}
	ws, resp, err := websocket.DefaultDialer.Dial(url, http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	_ = resp.Body.Close()
	t.Cleanup(func() { _ = ws.Close() })
	_ = ws.SetReadDeadline(time.Now().Add(waitLong))
	return ws
}

func readFrame(t *testing.T, ws *websocket.Conn) []byte {
	t.Helper()
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return data
}

func TestWireHelloDisconnectAndClose(t *testing.T) {
	s := New(t)
	ws := dialRaw(t, s)
	if typ := jsonField(t, readFrame(t, ws), "type"); typ != "hello" {
		t.Fatalf("first frame type %q, want hello", typ)
	}
	s.Disconnect("link_disabled")
	frame := readFrame(t, ws)
	if jsonField(t, frame, "type") != "disconnect" || jsonField(t, frame, "reason") != "link_disabled" {
		t.Fatalf("frame = %s, want a link_disabled disconnect", frame)
	}
	if _, _, err := ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("after disconnect: %v, want a normal close", err)
	}
}

func TestWirePingsEveryInterval(t *testing.T) {
	s := New(t, PingInterval(20*time.Millisecond))
	ws := dialRaw(t, s)
	var pings atomic.Int32
	ws.SetPingHandler(func(string) error { pings.Add(1); return nil })
	go func() {
		for { // pings are only handled while reading
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	s.WaitUntil(t, waitLong, func() bool { return pings.Load() >= 3 }, "three pings arrive")
}

func TestWireRejectsUnknownOrReusedTicket(t *testing.T) {
	s := New(t)
	_, url, err := s.Client().StartSocketModeContext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("first dial: %v", err)
	}
	_ = resp.Body.Close()
	defer ws.Close()
	_, resp, err = websocket.DefaultDialer.Dial(url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("reused ticket: %v, %v; want 401", resp, err)
	}
	_ = resp.Body.Close()
}

func TestWireStrayAcksAreRecorded(t *testing.T) {
	s := New(t)
	ws := dialRaw(t, s)
	readFrame(t, ws) // hello
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"envelope_id":"nope"}`)); err != nil {
		t.Fatal(err)
	}
	s.WaitUntil(t, waitLong, func() bool { return len(s.StrayAcks()) == 1 }, "the stray ack is recorded")
}

func TestWireTooManyWebsockets(t *testing.T) {
	s := New(t)
	for range maxConnections {
		readFrame(t, dialRaw(t, s))
	}
	frame := readFrame(t, dialRaw(t, s))
	if jsonField(t, frame, "reason") != "too_many_websockets" {
		t.Fatalf("11th connection got %s, want a too_many_websockets disconnect", frame)
	}
	if s.Connections() != maxConnections {
		t.Errorf("connections = %d, want %d", s.Connections(), maxConnections)
	}
}
