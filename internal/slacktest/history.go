package slacktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// Message is a message in the fake's history, as a test sees it. It is a copy:
// changing it changes nothing in the server.
type Message struct {
	Channel      string
	TS           string
	ThreadTS     string // the thread it is in; a root with replies has ThreadTS == TS
	ParentUserID string
	User         string
	BotID        string // set for the bot's own posts
	AppID        string
	Text         string
	BlocksJSON   json.RawMessage // as Slack stores them (ids, emoji/verbatim filled in); nil without blocks
	Blocks       slack.Blocks    // BlocksJSON parsed by slack-go
	MetadataJSON json.RawMessage // {"event_type","event_payload"}; nil without metadata
	Metadata     *slack.SlackMetadata
	Edits        int        // successful chat.update calls (and response_url replacements)
	Revisions    []Revision // earlier versions, oldest first
	Reactions    []string   // reaction names the bot added
	// UnfurlLinks and UnfurlMedia are the chat.postMessage parameters
	// unfurl_links and unfurl_media as posted ("" when not sent, which
	// Slack takes as its default: media unfurled).
	UnfurlLinks, UnfurlMedia string
}

// Revision is an earlier version of an edited message.
type Revision struct {
	Text         string
	BlocksJSON   json.RawMessage
	MetadataJSON json.RawMessage
}

// Ephemeral is a chat.postEphemeral message (or an ephemeral response_url reply).
type Ephemeral struct {
	Channel    string
	User       string // who sees it
	TS         string
	ThreadTS   string
	Text       string
	BlocksJSON json.RawMessage
	Blocks     slack.Blocks
}

// message is the stored form; snapshot turns it into a Message.
type message struct {
	Message              // Blocks and Metadata are filled only in snapshots
	clientMsgID string   // human messages
	editedTS    string   // ts of the last edit
	replyUsers  []string // roots: distinct repliers in order
	replyCount  int
}

type threadKey struct{ channel, threadTS string }

type historyState struct {
	channels   map[string][]*message // in ts order
	ephemerals map[string][]Ephemeral
	statuses   map[threadKey][]string
	status     map[threadKey]string // current status; cleared by a bot reply
}

func (h *historyState) init() {
	h.channels = map[string][]*message{}
	h.ephemerals = map[string][]Ephemeral{}
	h.statuses = map[threadKey][]string{}
	h.status = map[threadKey]string{}
}

// findLocked returns the message with ts in channel, or nil.
func (s *Server) findLocked(channel, ts string) *message {
	for _, m := range s.channels[channel] {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// addLocked stores m (whose ts is the newest) and maintains its thread root.
func (s *Server) addLocked(m *message) {
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		if root := s.findLocked(m.Channel, m.ThreadTS); root != nil {
			root.ThreadTS = root.TS
			root.replyCount++
			if !slices.Contains(root.replyUsers, m.User) {
				root.replyUsers = append(root.replyUsers, m.User)
			}
			if m.ParentUserID == "" {
				m.ParentUserID = root.User
			}
		}
		if m.BotID != "" {
			delete(s.status, threadKey{m.Channel, m.ThreadTS}) // Slack clears the status on reply
		}
	}
	s.channels[m.Channel] = append(s.channels[m.Channel], m)
	s.notifyLocked()
}

func (m *message) snapshot() Message {
	out := m.Message
	out.BlocksJSON = slices.Clone(m.BlocksJSON)
	out.MetadataJSON = slices.Clone(m.MetadataJSON)
	out.Revisions = slices.Clone(m.Revisions)
	out.Reactions = slices.Clone(m.Reactions)
	if len(m.BlocksJSON) > 0 {
		_ = json.Unmarshal(m.BlocksJSON, &out.Blocks) // validated on the way in
	}
	if len(m.MetadataJSON) > 0 {
		var md slack.SlackMetadata
		if json.Unmarshal(m.MetadataJSON, &md) == nil {
			out.Metadata = &md
		}
	}
	return out
}

// Messages lists every message in channel, thread replies included, in ts order.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.collectLocked(channel, "")
}

// Thread lists a thread's root and replies in ts order.
func (s *Server) Thread(channel, threadTS string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.collectLocked(channel, threadTS)
}

// collectLocked snapshots channel's messages; threadTS "" means all of them.
func (s *Server) collectLocked(channel, threadTS string) []Message {
	var out []Message
	for _, m := range s.channels[channel] {
		if threadTS == "" || m.TS == threadTS || m.ThreadTS == threadTS {
			out = append(out, m.snapshot())
		}
	}
	return out
}

// Ephemerals lists the ephemeral messages posted in channel, oldest first.
func (s *Server) Ephemerals(channel string) []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.ephemerals[channel])
	for i := range out {
		out[i].BlocksJSON = slices.Clone(out[i].BlocksJSON)
		if len(out[i].BlocksJSON) > 0 {
			_ = json.Unmarshal(out[i].BlocksJSON, &out[i].Blocks)
		}
	}
	return out
}

// Statuses lists every assistant.threads.setStatus status set on a thread, in
// order; "" is a clear.
func (s *Server) Statuses(channel, threadTS string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.statuses[threadKey{channel, threadTS}])
}

// Status is the thread's current status: the last one set, unless cleared with ""
// or by a later bot reply in the thread (the 2-minute expiry is not modelled).
func (s *Server) Status(channel, threadTS string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status[threadKey{channel, threadTS}]
}

// WaitForMessage waits until a message in the thread (threadTS "" means anywhere in
// channel) satisfies match, and returns the first that does, in ts order. It fails
// the test with a dump of what was seen otherwise. Call it from the test goroutine.
func (s *Server) WaitForMessage(t testing.TB, channel, threadTS string, match func(Message) bool, timeout time.Duration) Message {
	t.Helper()
	var found Message
	ok := s.await(timeout, func() bool {
		for _, m := range s.Thread(channel, threadTS) {
			if match(m) {
				found = m
				return true
			}
		}
		return false
	})
	if !ok {
		t.Fatalf("slacktest: no matching message in %s within %v; seen:\n%s", where(channel, threadTS), timeout, Dump(s.Thread(channel, threadTS)))
	}
	return found
}

func where(channel, threadTS string) string {
	if threadTS == "" {
		return "channel " + channel
	}
	return fmt.Sprintf("thread %s/%s", channel, threadTS)
}

// Dump renders messages one per line, for failure messages.
func Dump(msgs []Message) string {
	if len(msgs) == 0 {
		return "  (no messages)"
	}
	var b strings.Builder
	for _, m := range msgs {
		who := m.User
		if m.BotID != "" {
			who += " (bot)"
		}
		fmt.Fprintf(&b, "  %s %s: %q", m.TS, who, m.Text)
		if n := len(m.Blocks.BlockSet); n > 0 {
			fmt.Fprintf(&b, " [%d blocks]", n)
		}
		if m.Metadata != nil {
			fmt.Fprintf(&b, " [metadata %s]", m.Metadata.EventType)
		}
		if m.Edits > 0 {
			fmt.Fprintf(&b, " [edited %d×]", m.Edits)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
