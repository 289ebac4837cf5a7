package slacktest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// Envelope types of Socket Mode payloads.
const (
	EnvelopeEventsAPI     = "events_api"
	EnvelopeInteractive   = "interactive"
	EnvelopeSlashCommands = "slash_commands"
)

// Delivery is one envelope the server sent (or queued) and what became of it.
type Delivery struct {
	EnvelopeID   string
	Type         string // events_api, interactive, slash_commands
	EventID      string // events_api: the payload's event_id, the same on every retry
	EventType    string // the inner event type (app_mention, message…) or the interaction type
	RetryAttempt int
	RetryReason  string
	Sent         time.Time // when it was written to a socket; zero while queued
	Acked        bool
	AckedAt      time.Time
	AckLatency   time.Duration   // AckedAt - Sent
	AckPayload   json.RawMessage // the ack's optional payload
}

type delivery struct {
	Delivery
	payload   json.RawMessage // for redelivery
	retryable bool            // events_api from the server itself
	deadline  time.Time       // ack deadline, once written
	written   bool            // the write returned: the ack clock runs
	// superseded: Slack expects no ack for it any more, because it was
	// redelivered under a new envelope id or retried too often.
	superseded bool
}

// envelope is the Socket Mode frame around a payload, fields in Slack's order.
type envelope struct {
	EnvelopeID             string          `json:"envelope_id"`
	Payload                json.RawMessage `json:"payload"`
	Type                   string          `json:"type"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload"`
	RetryAttempt           *int            `json:"retry_attempt,omitempty"`
	RetryReason            *string         `json:"retry_reason,omitempty"`
}

type deliveryState struct {
	deliveries map[string]*delivery
	order      []*delivery
	awaiting   []*delivery // written, retryable, neither acked nor redelivered
	strayAcks  []string    // acks of envelope ids the server never sent
}

// SendRaw sends payload in an envelope of the given type ("events_api",
// "interactive", "slash_commands") and returns the envelope id. A payload that is
// not valid JSON is sent as a JSON string, which slack-go reports as
// EventTypeErrorBadMessage. events_api envelopes are redelivered when not acked.
func (s *Server) SendRaw(envelopeType string, payload []byte) (envelopeID string) {
	raw := json.RawMessage(slices.Clone(payload))
	if !json.Valid(raw) {
		raw = mustJSON(string(payload))
	}
	var head struct {
		Type    string `json:"type"`
		EventID string `json:"event_id"`
		Event   struct {
			Type string `json:"type"`
		} `json:"event"`
	}
	_ = json.Unmarshal(raw, &head) // best effort: only for the Deliveries record
	eventType := head.Event.Type
	if eventType == "" {
		eventType = head.Type
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendEnvelopeLocked(envelopeType, raw, head.EventID, eventType, 0, "")
}

// sendEnvelopeLocked wraps, tracks and enqueues a payload.
func (s *Server) sendEnvelopeLocked(typ string, payload json.RawMessage, eventID, eventType string, attempt int, reason string) string {
	d := &delivery{
		Delivery: Delivery{
			EnvelopeID: newUUID(), Type: typ, EventID: eventID, EventType: eventType,
			RetryAttempt: attempt, RetryReason: reason,
		},
		payload:   payload,
		retryable: typ == EnvelopeEventsAPI,
	}
	env := envelope{
		EnvelopeID:             d.EnvelopeID,
		Payload:                payload,
		Type:                   typ,
		AcceptsResponsePayload: typ == EnvelopeSlashCommands,
	}
	if typ == EnvelopeEventsAPI {
		env.RetryAttempt, env.RetryReason = &attempt, &reason
	}
	s.trackLocked(d)
	s.enqueueLocked(frame{kind: frameEnvelope, data: mustJSON(env), envelopeID: d.EnvelopeID})
	s.notifyLocked()
	return d.EnvelopeID
}

func (s *Server) trackLocked(d *delivery) {
	s.deliveries[d.EnvelopeID] = d
	s.order = append(s.order, d)
}

// stampSent records that an envelope is being written. It is called
// before the write: the client may read it and ack before the write call
// returns, and its ack latency is measured from here.
func (s *Server) stampSent(f frame) {
	if f.envelopeID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.deliveries[f.envelopeID]; d != nil && d.Sent.IsZero() {
		d.Sent = time.Now()
	}
}

// unstampSent undoes stampSent for a write that failed: the envelope is
// queued again, as never sent.
func (s *Server) unstampSent(f frame) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.deliveries[f.envelopeID]; d != nil && !d.written && !d.Acked {
		d.Sent = time.Time{}
	}
}

// markWritten starts a written envelope's ack clock.
func (s *Server) markWritten(f frame) {
	if f.envelopeID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deliveries[f.envelopeID]
	if d == nil || d.written {
		return
	}
	d.written = true
	if d.retryable && !d.Acked {
		d.deadline = d.Sent.Add(s.cfg.ackTimeout)
		s.awaiting = append(s.awaiting, d)
		select { // non-blocking, so fine under s.mu
		case s.kick <- struct{}{}:
		default:
		}
	}
	s.notifyLocked()
}

// handleAck records an ack frame from a client: {"envelope_id": "…", "payload": …}.
func (s *Server) handleAck(data []byte) {
	var ack struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	err := json.Unmarshal(data, &ack)
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deliveries[ack.EnvelopeID]
	if err != nil || d == nil {
		s.strayAcks = append(s.strayAcks, string(data))
		s.notifyLocked()
		return
	}
	if d.Acked {
		return
	}
	d.Acked, d.AckedAt, d.AckPayload = true, time.Now(), ack.Payload
	if !d.Sent.IsZero() {
		d.AckLatency = d.AckedAt.Sub(d.Sent)
	}
	s.notifyLocked()
}

// retryLoop redelivers events_api envelopes whose ack did not come in time, with a
// new envelope id, the same payload (and event_id), retry_attempt+1, reason "timeout".
func (s *Server) retryLoop() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := time.Hour
		if next := s.redeliverDue(time.Now()); !next.IsZero() {
			wait = time.Until(next)
		}
		timer.Reset(wait)
		select {
		case <-s.done:
			return
		case <-s.kick:
		case <-timer.C:
		}
	}
}

// redeliverDue handles due deliveries and returns the next deadline (zero if none).
func (s *Server) redeliverDue(now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	var still []*delivery
	for _, d := range s.awaiting {
		switch {
		case d.Acked:
		case !now.Before(d.deadline):
			d.superseded = true
			if d.RetryAttempt < maxRetries {
				s.sendEnvelopeLocked(d.Type, d.payload, d.EventID, d.EventType, d.RetryAttempt+1, "timeout")
			}
		default:
			still = append(still, d)
			if next.IsZero() || d.deadline.Before(next) {
				next = d.deadline
			}
		}
	}
	s.awaiting = still
	return next
}

// Deliveries lists every envelope sent so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, len(s.order))
	for i, d := range s.order {
		out[i] = d.Delivery
		out[i].AckPayload = slices.Clone(d.AckPayload)
	}
	return out
}

// Acked reports whether the envelope has been acked.
func (s *Server) Acked(envelopeID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.deliveries[envelopeID]
	return d != nil && d.Acked
}

// WaitAcked fails the test unless the envelope is acked within timeout.
func (s *Server) WaitAcked(t testing.TB, envelopeID string, timeout time.Duration) {
	t.Helper()
	s.WaitUntil(t, timeout, func() bool { return s.Acked(envelopeID) }, "envelope %s is acked", envelopeID)
}

// Outstanding is how many envelopes Slack still waits on an ack for: queued or
// written, not acked, and neither redelivered nor given up on. Zero means nothing
// more comes from the server, redeliveries included, until a test or the app
// makes something happen.
func (s *Server) Outstanding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, n := s.outstandingLocked()
	return n
}

// outstandingLocked returns how many envelopes were ever sent and how many of
// them are outstanding.
func (s *Server) outstandingLocked() (sent, outstanding int) {
	for _, d := range s.order {
		if !d.Acked && !d.superseded {
			outstanding++
		}
	}
	return len(s.order), outstanding
}

// WaitIdle waits until the app has handled everything the server sent it: every
// envelope is acked (see Outstanding) and appIdle reports that the work they
// caused is done, with no envelope sent meanwhile (that work posts messages, and
// their echoes are new envelopes). A test calls it before asserting that something
// did NOT happen: by then the app has seen everything it could have reacted to.
// The app must count an envelope as work from before it acks it. appIdle runs
// without the server's lock. Call it from the test goroutine.
func (s *Server) WaitIdle(t testing.TB, timeout time.Duration, appIdle func() bool) {
	t.Helper()
	sent := func() (int, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		n, outstanding := s.outstandingLocked()
		return n, outstanding == 0
	}
	idle := s.await(timeout, func() bool {
		before, acked := sent()
		if !acked || !appIdle() {
			return false
		}
		after, acked := sent()
		return acked && after == before
	})
	if !idle {
		t.Fatalf("slacktest: timed out after %v waiting until the app is idle: %d envelope(s) not acked, app idle %v", timeout, s.Outstanding(), appIdle())
	}
}

// StrayAcks lists frames from clients that acked nothing the server sent
// (unknown envelope ids or frames that are not JSON).
func (s *Server) StrayAcks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.strayAcks)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("slacktest: marshal " + err.Error()) // only our own static shapes get here
	}
	return b
}
