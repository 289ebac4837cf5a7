package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// writeWait bounds every WebSocket write.
const writeWait = 5 * time.Second

// frameKind says what a queued WebSocket frame is and what happens to it if its
// connection dies before it is written.
type frameKind int

const (
	frameHello      frameKind = iota + 1 // per connection; dropped with it
	frameEnvelope                        // tracked delivery; moves to another connection
	frameRaw                             // SendFrame; moves to another connection
	frameDisconnect                      // per connection; the server closes after writing it
)

type frame struct {
	kind       frameKind
	data       []byte
	envelopeID string // envelopes only
}

// conn is one Socket Mode WebSocket. out, active and the conn set are guarded by
// Server.mu; ws writes happen only in the writer goroutine (pings and Close are
// safe concurrently, per gorilla/websocket).
type conn struct {
	id     int
	ws     *websocket.Conn
	out    []frame
	active bool          // receives new payloads; false once disconnecting
	wake   chan struct{} // capacity 1
	done   chan struct{} // closed by teardown
}

// signal wakes the writer without blocking, so it is safe under s.mu.
func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

type socketState struct {
	tickets  map[string]bool
	active   []*conn // connections that take payloads, in connect order
	conns    map[*conn]bool
	pending  []frame // payloads waiting for a connection
	rr       int     // round-robin cursor over active
	accepted int     // WebSockets accepted over the server's life
	pongs    int     // pongs received, on any connection
	deliveryState
}

func (st *socketState) init() {
	st.tickets = map[string]bool{}
	st.conns = map[*conn]bool{}
	st.deliveries = map[string]*delivery{}
}

func (s *Server) allConnsLocked() []*conn {
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// appsConnectionsOpen answers apps.connections.open with a fresh single-use ws:// URL.
func (s *Server) appsConnectionsOpen(_ apiRequest) apiResult {
	s.mu.Lock()
	ticket := fmt.Sprintf("%s-%d", randomHex(8), s.nextLocked())
	s.tickets[ticket] = true
	s.mu.Unlock()
	u := "ws" + s.baseURL[len("http"):] + "/link/?ticket=" + ticket + "&app_id=" + s.cfg.appID
	return ok(object{"url": u})
}

// serveLink upgrades a WebSocket dialled with a ticket from apps.connections.open.
func (s *Server) serveLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	if s.closed || !s.tickets[ticket] {
		s.mu.Unlock()
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	delete(s.tickets, ticket)
	s.wg.Add(1) // safe: close sets s.closed under s.mu before it waits
	s.mu.Unlock()
	defer s.wg.Done()

	// slack-go sends Origin: https://api.slack.com, which the default check rejects.
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has already answered the client
	}
	c := &conn{ws: ws, wake: make(chan struct{}, 1), done: make(chan struct{})}
	ws.SetPongHandler(func(string) error { // runs in readLoop
		s.mu.Lock()
		s.pongs++
		s.notifyLocked()
		s.mu.Unlock()
		return nil
	})

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	c.id = s.nextLocked()
	s.conns[c] = true
	s.accepted++
	if len(s.active) >= maxConnections {
		c.out = []frame{{kind: frameDisconnect, data: s.disconnectFrame("too_many_websockets", c.id)}}
	} else {
		c.active = true
		s.active = append(s.active, c)
		c.out = append(c.out, frame{kind: frameHello, data: s.helloFrame(len(s.active), c.id)})
		c.out = append(c.out, s.pending...) // queued while nobody was connected
		s.pending = nil
	}
	s.notifyLocked()
	s.mu.Unlock()
	c.signal()

	s.wg.Go(func() { s.writeLoop(c) })
	s.readLoop(c)
	s.teardown(c)
}

func (s *Server) helloFrame(numConns, connID int) []byte {
	return mustJSON(object{
		"type":            "hello",
		"num_connections": numConns,
		"debug_info": object{
			"host":                        fmt.Sprintf("applink-fake-%d", connID),
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": object{"app_id": s.cfg.appID},
	})
}

func (s *Server) disconnectFrame(reason string, connID int) []byte {
	return mustJSON(object{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": object{"host": fmt.Sprintf("applink-fake-%d", connID)},
	})
}

// writeLoop is the connection's only data writer: queued frames and pings.
func (s *Server) writeLoop(c *conn) {
	defer func() { _ = c.ws.Close() }()
	ping := time.NewTicker(s.cfg.pingInterval)
	defer ping.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-c.done:
			return
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(writeWait)); err != nil {
				return
			}
		case <-c.wake:
			if !s.flush(c) {
				return
			}
		}
	}
}

// flush writes everything queued for c. It reports false when c is finished.
func (s *Server) flush(c *conn) bool {
	for {
		s.mu.Lock()
		frames := c.out
		c.out = nil
		s.mu.Unlock()
		if len(frames) == 0 {
			return true
		}
		for i, f := range frames {
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			s.stampSent(f)
			if err := c.ws.WriteMessage(websocket.TextMessage, f.data); err != nil {
				s.unstampSent(f)
				s.mu.Lock()
				s.requeueLocked(frames[i:])
				s.mu.Unlock()
				return false
			}
			s.markWritten(f)
			if f.kind == frameDisconnect {
				msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
				_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait))
				s.mu.Lock()
				s.requeueLocked(frames[i+1:])
				s.mu.Unlock()
				return false
			}
		}
	}
}

// readLoop reads acks until the connection fails.
func (s *Server) readLoop(c *conn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		s.handleAck(data)
	}
}

// teardown forgets a dead connection and hands its unwritten payloads on.
func (s *Server) teardown(c *conn) {
	s.mu.Lock()
	s.deactivateLocked(c)
	delete(s.conns, c)
	left := c.out
	c.out = nil
	s.requeueLocked(left)
	close(c.done)
	s.notifyLocked()
	s.mu.Unlock()
	_ = c.ws.Close()
}

func (s *Server) deactivateLocked(c *conn) {
	c.active = false
	s.active = slices.DeleteFunc(s.active, func(x *conn) bool { return x == c })
}

// requeueLocked moves frames that were never written to another connection, or to
// the front of the pending queue. Hello and disconnect frames die with their conn.
func (s *Server) requeueLocked(frames []frame) {
	var keep []frame
	for _, f := range frames {
		if f.kind == frameEnvelope || f.kind == frameRaw {
			keep = append(keep, f)
		}
	}
	if len(keep) == 0 {
		return
	}
	if c := s.pickLocked(); c != nil {
		c.out = append(keep, c.out...)
		c.signal()
		return
	}
	s.pending = append(keep, s.pending...)
}

// enqueueLocked sends a payload to any one active connection, or queues it until
// the next connect.
func (s *Server) enqueueLocked(f frame) {
	if c := s.pickLocked(); c != nil {
		c.out = append(c.out, f)
		c.signal()
		return
	}
	s.pending = append(s.pending, f)
}

func (s *Server) pickLocked() *conn {
	if len(s.active) == 0 {
		return nil
	}
	s.rr = (s.rr + 1) % len(s.active)
	return s.active[s.rr]
}

// Disconnect sends every connection a `disconnect` frame with reason ("warning",
// "refresh_requested", "link_disabled", "too_many_websockets"), then closes it.
// Payloads sent from now on wait for the next connection.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.active {
		c.active = false
		c.out = append(c.out, frame{kind: frameDisconnect, data: s.disconnectFrame(reason, c.id)})
		c.signal()
	}
	s.active = nil
	s.notifyLocked()
}

// DropConnections closes every connection abruptly, without a frame. Payloads not
// yet written wait for the next connection; written but un-acked ones come back
// through the ack timeout, as with Slack.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := s.active
	s.active = nil
	var left []frame
	for _, c := range conns {
		c.active = false
		left = append(left, c.out...)
		c.out = nil
	}
	s.requeueLocked(left) // nobody is active: they wait at the front of the queue
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.ws.Close()
	}
}

// Connections is the number of connections that receive payloads.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.active)
}

// Accepted is the number of WebSockets accepted so far, reconnects included.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// WaitConnected waits up to 10s until exactly n connections receive payloads, and
// fails the test otherwise. Call it from the test goroutine.
func (s *Server) WaitConnected(t testing.TB, n int) {
	t.Helper()
	if !s.await(10*time.Second, func() bool { return s.Connections() == n }) {
		t.Fatalf("slacktest: want %d Socket Mode connection(s), have %d after 10s", n, s.Connections())
	}
}

// SendFrame writes raw verbatim to one connection (or the next one). If it carries
// an envelope_id its ack is tracked, but it is never redelivered.
func (s *Server) SendFrame(raw []byte) (envelopeID string) {
	var head struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	_ = json.Unmarshal(raw, &head) // a frame that is not JSON is sent all the same
	s.mu.Lock()
	defer s.mu.Unlock()
	if head.EnvelopeID != "" {
		s.trackLocked(&delivery{Delivery: Delivery{EnvelopeID: head.EnvelopeID, Type: head.Type}})
	}
	s.enqueueLocked(frame{kind: frameRaw, data: slices.Clone(raw), envelopeID: head.EnvelopeID})
	s.notifyLocked()
	return head.EnvelopeID
}
