package slacktest

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Mention posts a top-level human message in channel that mentions the bot ("<@BOT> "
// is prepended when text lacks it) and returns its ts, the thread to reply in. Slack
// sends an app_mention and, with MentionAlsoMessage, a plain message event (same ts,
// different event_id). In a DM ("D…") Slack sends no app_mention, only the message.
func (s *Server) Mention(channel, user, text string) (ts string) {
	return s.humanPost(channel, "", user, s.withMention(text))
}

// MentionInThread is Mention as a reply in an existing thread.
func (s *Server) MentionInThread(channel, threadTS, user, text string) (ts string) {
	return s.humanPost(channel, threadTS, user, s.withMention(text))
}

// Post posts a top-level human message and returns its ts. It produces a `message`
// event (and an app_mention too if text mentions the bot, as in Slack).
func (s *Server) Post(channel, user, text string) (ts string) {
	return s.humanPost(channel, "", user, text)
}

// ReplyInThread posts a human reply in a thread: a plain `message` event with
// thread_ts and parent_user_id (no message_replied subtype over the Events API).
func (s *Server) ReplyInThread(channel, threadTS, user, text string) (ts string) {
	return s.humanPost(channel, threadTS, user, text)
}

func (s *Server) withMention(text string) string {
	tag := "<@" + s.cfg.botUserID + ">"
	if strings.Contains(text, tag) {
		return text
	}
	return tag + " " + text
}

func (s *Server) humanPost(channel, threadTS, user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &message{
		Message: Message{
			Channel: channel, TS: s.newTSLocked(), ThreadTS: threadTS, User: user, Text: text,
			BlocksJSON: richText(text),
		},
		clientMsgID: newUUID(),
	}
	s.addLocked(m)
	mention := strings.Contains(text, "<@"+s.cfg.botUserID+">") && channelType(channel) != "im"
	if mention {
		ev := s.messageEvent(m)
		ev.Type, ev.ChannelType = "app_mention", ""
		s.sendEventLocked(channel, ev)
	}
	if !mention || s.cfg.mentionAlsoMessage {
		s.sendEventLocked(channel, s.messageEvent(m))
	}
	return m.TS
}

// echoLocked delivers the bot's own post back as a `message` event: user is the bot
// user, with bot_id, app_id and bot_profile, and no subtype.
func (s *Server) echoLocked(m *message) {
	if s.cfg.echoBot {
		s.sendEventLocked(m.Channel, s.messageEvent(m))
	}
}

// echoChangedLocked delivers a `message_changed` event for an edited message.
func (s *Server) echoChangedLocked(m *message, previous wireMessage) {
	if !s.cfg.echoBot {
		return
	}
	ts := s.newTSLocked()
	s.sendEventLocked(m.Channel, changedEvent{
		Type: "message", Subtype: "message_changed", Message: s.wire(m, true),
		PreviousMessage: previous, Channel: m.Channel, Hidden: true, TS: ts, EventTS: ts,
		ChannelType: channelType(m.Channel),
	})
}

// wireEvent is a message or app_mention inner event, fields in Slack's order.
type wireEvent struct {
	ClientMsgID  string          `json:"client_msg_id,omitempty"`
	User         string          `json:"user,omitempty"`
	Type         string          `json:"type"`
	TS           string          `json:"ts"`
	BotID        string          `json:"bot_id,omitempty"`
	AppID        string          `json:"app_id,omitempty"`
	Text         string          `json:"text"`
	Team         string          `json:"team,omitempty"`
	BotProfile   *botProfile     `json:"bot_profile,omitempty"`
	Blocks       json.RawMessage `json:"blocks,omitempty"`
	ThreadTS     string          `json:"thread_ts,omitempty"`
	ParentUserID string          `json:"parent_user_id,omitempty"`
	Channel      string          `json:"channel"`
	EventTS      string          `json:"event_ts"`
	ChannelType  string          `json:"channel_type,omitempty"`
}

type changedEvent struct {
	Type            string      `json:"type"`
	Subtype         string      `json:"subtype"`
	Message         wireMessage `json:"message"`
	PreviousMessage wireMessage `json:"previous_message"`
	Channel         string      `json:"channel"`
	Hidden          bool        `json:"hidden"`
	TS              string      `json:"ts"`
	EventTS         string      `json:"event_ts"`
	ChannelType     string      `json:"channel_type"`
}

func (s *Server) messageEvent(m *message) wireEvent {
	ev := wireEvent{
		ClientMsgID: m.clientMsgID, User: m.User, Type: "message", TS: m.TS,
		BotID: m.BotID, AppID: m.AppID, Text: m.Text, Team: s.cfg.teamID,
		Blocks: m.BlocksJSON, Channel: m.Channel, EventTS: m.TS, ChannelType: channelType(m.Channel),
	}
	if m.ThreadTS != m.TS {
		ev.ThreadTS, ev.ParentUserID = m.ThreadTS, m.ParentUserID
	}
	if m.BotID != "" {
		ev.BotProfile = s.botProfile()
	}
	return ev
}

// eventCallback is the Events API body (the payload of an events_api envelope).
type eventCallback struct {
	Token               string          `json:"token"`
	TeamID              string          `json:"team_id"`
	ContextTeamID       string          `json:"context_team_id"`
	ContextEnterpriseID *string         `json:"context_enterprise_id"`
	APIAppID            string          `json:"api_app_id"`
	Event               any             `json:"event"`
	Type                string          `json:"type"`
	EventID             string          `json:"event_id"`
	EventTime           int64           `json:"event_time"`
	Authorizations      []authorization `json:"authorizations"`
	IsExtSharedChannel  bool            `json:"is_ext_shared_channel"`
	EventContext        string          `json:"event_context"`
}

type authorization struct {
	EnterpriseID        *string `json:"enterprise_id"`
	TeamID              string  `json:"team_id"`
	UserID              string  `json:"user_id"`
	IsBot               bool    `json:"is_bot"`
	IsEnterpriseInstall bool    `json:"is_enterprise_install"`
}

// sendEventLocked wraps an inner event in a fresh event_callback and sends it.
func (s *Server) sendEventLocked(channel string, inner any) {
	var head struct {
		Type    string `json:"type"`
		EventTS string `json:"event_ts"`
	}
	raw := mustJSON(inner)
	_ = json.Unmarshal(raw, &head)
	ctx := mustJSON(map[string]string{"et": head.Type, "tid": s.cfg.teamID, "aid": s.cfg.appID, "cid": channel})
	body := eventCallback{
		Token:          "fake-verification-token",
		TeamID:         s.cfg.teamID,
		ContextTeamID:  s.cfg.teamID,
		APIAppID:       s.cfg.appID,
		Event:          json.RawMessage(raw),
		Type:           "event_callback",
		EventID:        s.newEventIDLocked(),
		EventTime:      tsSeconds(head.EventTS),
		Authorizations: []authorization{{TeamID: s.cfg.teamID, UserID: s.cfg.botUserID, IsBot: true}},
		EventContext:   "4-" + base64.RawURLEncoding.EncodeToString(ctx),
	}
	s.sendEnvelopeLocked(EnvelopeEventsAPI, mustJSON(body), body.EventID, head.Type, 0, "")
}

type botProfile struct {
	ID      string            `json:"id"`
	Deleted bool              `json:"deleted"`
	Name    string            `json:"name"`
	Updated int64             `json:"updated"`
	AppID   string            `json:"app_id"`
	Icons   map[string]string `json:"icons"`
	TeamID  string            `json:"team_id"`
}

func (s *Server) botProfile() *botProfile {
	return &botProfile{
		ID: s.cfg.botID, Name: s.cfg.botName, Updated: 1690000000, AppID: s.cfg.appID, TeamID: s.cfg.teamID,
		Icons: map[string]string{
			"image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png",
			"image_48": "https://a.slack-edge.com/80588/img/plugins/app/bot_48.png",
			"image_72": "https://a.slack-edge.com/80588/img/plugins/app/service_72.png",
		},
	}
}

// richText renders text as the rich_text block Slack attaches to typed messages,
// with "<@U…>" mentions as user elements.
func richText(text string) json.RawMessage {
	if text == "" {
		return nil
	}
	var elems []map[string]string
	for rest := text; rest != ""; {
		i := strings.Index(rest, "<@")
		j := -1
		if i >= 0 {
			j = strings.IndexByte(rest[i:], '>')
		}
		if j < 0 {
			elems = append(elems, map[string]string{"type": "text", "text": rest})
			break
		}
		if i > 0 {
			elems = append(elems, map[string]string{"type": "text", "text": rest[:i]})
		}
		id, _, _ := strings.Cut(rest[i+2:i+j], "|")
		elems = append(elems, map[string]string{"type": "user", "user_id": id})
		rest = rest[i+j+1:]
	}
	return mustJSON([]any{map[string]any{
		"type":     "rich_text",
		"block_id": randomHex(2),
		"elements": []any{map[string]any{"type": "rich_text_section", "elements": elems}},
	}})
}
