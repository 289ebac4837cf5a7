package slacktest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// Server is a fake Slack: the Web API under APIURL and Socket Mode WebSockets,
// speaking Slack's wire protocol. It is safe for concurrent use. New registers its
// shutdown with t.Cleanup; every goroutine it started has exited when that returns.
type Server struct {
	t       testing.TB
	cfg     config
	http    *httptest.Server
	baseURL string // http://127.0.0.1:PORT, fixed before the server starts
	methods map[string]method

	wg   sync.WaitGroup // socket readers/writers and the retry loop
	done chan struct{}  // closed on shutdown
	kick chan struct{}  // wakes the retry loop; capacity 1

	mu      sync.Mutex
	closed  bool
	changed chan struct{} // closed and replaced on every state change
	lastTS  int64         // microseconds of the last ts handed out
	seq     int           // counter for ids
	socketState
	webState
	historyState
}

// New starts a fake Slack for the test and closes it on t.Cleanup.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := defaultConfig()
	for _, o := range opts {
		o.apply(&cfg)
	}
	if cfg.ackTimeout <= 0 || cfg.pingInterval <= 0 {
		t.Fatalf("slacktest: AckTimeout and PingInterval must be positive, got %v and %v", cfg.ackTimeout, cfg.pingInterval)
	}
	s := &Server{
		t:       t,
		cfg:     cfg,
		done:    make(chan struct{}),
		kick:    make(chan struct{}, 1),
		changed: make(chan struct{}),
	}
	s.methods = s.methodTable()
	s.socketState.init()
	s.webState.init()
	s.historyState.init()

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/link/", s.serveLink)
	mux.HandleFunc("/actions/", s.serveResponseURL)
	s.http = httptest.NewUnstartedServer(mux)
	s.baseURL = "http://" + s.http.Listener.Addr().String()
	s.http.Start() // handlers start after every field above is set
	s.wg.Go(s.retryLoop)
	t.Cleanup(s.close)
	return s
}

// APIURL is the Web API base URL, with the trailing slash slack.OptionAPIURL needs.
func (s *Server) APIURL() string { return s.baseURL + "/api/" }

// BotToken, AppToken, BotUserID, BotID, TeamID and AppID report the configured identity.
func (s *Server) BotToken() string  { return s.cfg.botToken }
func (s *Server) AppToken() string  { return s.cfg.appToken }
func (s *Server) BotUserID() string { return s.cfg.botUserID }
func (s *Server) BotID() string     { return s.cfg.botID }
func (s *Server) TeamID() string    { return s.cfg.teamID }
func (s *Server) AppID() string     { return s.cfg.appID }

// Client returns a slack.Client wired to this server with both tokens; opts are
// applied after the defaults.
func (s *Server) Client(opts ...slack.Option) *slack.Client {
	base := []slack.Option{slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(s.cfg.appToken)}
	return slack.New(s.cfg.botToken, append(base, opts...)...)
}

// WaitUntil evaluates cond whenever the server's state changes (and every 10ms, for
// conditions on other state) and fails the test if it is not true within timeout.
// cond runs without the server's lock, so it may call any accessor. Call it from
// the test goroutine.
func (s *Server) WaitUntil(t testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	if !s.await(timeout, cond) {
		t.Fatalf("slacktest: timed out after %v waiting until %s", timeout, fmt.Sprintf(format, args...))
	}
}

// await reports whether cond became true within timeout. cond runs unlocked.
func (s *Server) await(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-changed:
		case <-poll.C:
		case <-deadline.C:
			return cond()
		}
	}
}

// notifyLocked wakes every waiter. The caller holds s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// close shuts the server down and waits for its goroutines.
func (s *Server) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := s.allConnsLocked()
	s.mu.Unlock()

	close(s.done)
	for _, c := range conns {
		_ = c.ws.Close() // unblocks the reader; the writer sees s.done
	}
	s.http.Close()
	s.wg.Wait()
}

// newTSLocked hands out a unique, increasing Slack timestamp ("1700000000.000100").
func (s *Server) newTSLocked() string {
	us := time.Now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// nextLocked returns a fresh counter value for ids.
func (s *Server) nextLocked() int {
	s.seq++
	return s.seq
}

// newEventIDLocked returns an event id shaped like Slack's ("Ev0A1B2C3D4E").
func (s *Server) newEventIDLocked() string {
	return fmt.Sprintf("Ev%s%04X", strings.ToUpper(randomHex(3)), s.nextLocked())
}

// newUUID returns a random RFC 4122 version 4 id, the shape of envelope ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// randomHex returns 2n random hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tsSeconds is the integer part of a Slack ts, for event_time.
func tsSeconds(ts string) int64 {
	var sec int64
	_, _ = fmt.Sscanf(ts, "%d.", &sec)
	return sec
}

// channelType maps a conversation id to the Events API channel_type.
func channelType(channel string) string {
	switch {
	case strings.HasPrefix(channel, "D"):
		return "im"
	case strings.HasPrefix(channel, "G"):
		return "group"
	default:
		return "channel"
	}
}

// userName is the handle the fake gives a user id ("U222" → "user-u222").
func (s *Server) userName(id string) string {
	if id == s.cfg.botUserID {
		return s.cfg.botName
	}
	return "user-" + strings.ToLower(id)
}
