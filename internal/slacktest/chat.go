package slacktest

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// wireMessage is a message as the Web API and nested events show it, in Slack's order.
type wireMessage struct {
	ClientMsgID     string          `json:"client_msg_id,omitempty"`
	User            string          `json:"user,omitempty"`
	Type            string          `json:"type"`
	TS              string          `json:"ts"`
	BotID           string          `json:"bot_id,omitempty"`
	AppID           string          `json:"app_id,omitempty"`
	Text            string          `json:"text"`
	Team            string          `json:"team,omitempty"`
	BotProfile      *botProfile     `json:"bot_profile,omitempty"`
	Edited          *wireEdited     `json:"edited,omitempty"`
	ThreadTS        string          `json:"thread_ts,omitempty"`
	ReplyCount      int             `json:"reply_count,omitempty"`
	ReplyUsersCount int             `json:"reply_users_count,omitempty"`
	LatestReply     string          `json:"latest_reply,omitempty"`
	ReplyUsers      []string        `json:"reply_users,omitempty"`
	ParentUserID    string          `json:"parent_user_id,omitempty"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
	Blocks          json.RawMessage `json:"blocks,omitempty"`
	Reactions       []wireReaction  `json:"reactions,omitempty"`
}

type wireEdited struct {
	User string `json:"user"`
	TS   string `json:"ts"`
}

type wireReaction struct {
	Name  string   `json:"name"`
	Users []string `json:"users"`
	Count int      `json:"count"`
}

// wire renders a stored message; metadata only when asked for, as Slack does.
func (s *Server) wire(m *message, withMetadata bool) wireMessage {
	w := wireMessage{
		ClientMsgID: m.clientMsgID, User: m.User, Type: "message", TS: m.TS, BotID: m.BotID,
		AppID: m.AppID, Text: m.Text, Team: s.cfg.teamID, ThreadTS: m.ThreadTS,
		ParentUserID: m.ParentUserID, Blocks: m.BlocksJSON,
	}
	if m.BotID != "" {
		w.BotProfile = s.botProfile()
	}
	if m.editedTS != "" {
		w.Edited = &wireEdited{User: m.User, TS: m.editedTS}
	}
	if m.replyCount > 0 {
		w.ReplyCount, w.ReplyUsersCount, w.ReplyUsers = m.replyCount, len(m.replyUsers), m.replyUsers
		for _, r := range s.channels[m.Channel] {
			if r.ThreadTS == m.TS && r.TS != m.TS {
				w.LatestReply = r.TS
			}
		}
	}
	if withMetadata {
		w.Metadata = m.MetadataJSON
	}
	for _, name := range m.Reactions {
		w.Reactions = append(w.Reactions, wireReaction{Name: name, Users: []string{s.cfg.botUserID}, Count: 1})
	}
	return w
}

// content is the text, blocks and metadata of a chat call, validated.
type content struct {
	text                            string
	blocks, metadata                json.RawMessage
	hasText, hasBlocks, hasMetadata bool
}

func parseContent(r apiRequest) (content, *apiResult) {
	var c content
	text := r.get("text")
	if text == "" {
		text = r.get("markdown_text")
	}
	c.hasText = r.has("text") || r.has("markdown_text")
	if utf8.RuneCountInString(text) > maxMessageText {
		res := fail("msg_too_long")
		return c, &res
	}
	c.text = text
	if c.hasBlocks = r.has("blocks"); c.hasBlocks {
		blocks, res := validateBlocks(r.get("blocks"))
		if res != nil {
			return c, res
		}
		c.blocks = blocks
	}
	if c.hasMetadata = r.has("metadata"); c.hasMetadata {
		var md struct {
			EventType    string          `json:"event_type"`
			EventPayload json.RawMessage `json:"event_payload"`
		}
		if err := json.Unmarshal([]byte(r.get("metadata")), &md); err != nil {
			res := fail("invalid_metadata_format")
			return c, &res
		}
		if md.EventType == "" {
			res := fail("invalid_metadata_schema")
			return c, &res
		}
		c.metadata = mustJSON(md)
	}
	return c, nil
}

func (s *Server) chatPostMessage(r apiRequest) apiResult {
	channel := r.get("channel")
	if channel == "" {
		return fail("channel_not_found")
	}
	c, res := parseContent(r)
	if res != nil {
		return *res
	}
	if len(c.text) == 0 && c.blocks == nil && r.get("attachments") == "" {
		return fail("no_text")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &message{Message: Message{
		Channel: channel, TS: s.newTSLocked(), ThreadTS: r.get("thread_ts"), User: s.cfg.botUserID,
		BotID: s.cfg.botID, AppID: s.cfg.appID, Text: c.text, BlocksJSON: c.blocks, MetadataJSON: c.metadata,
		UnfurlLinks: r.get("unfurl_links"), UnfurlMedia: r.get("unfurl_media"),
	}}
	s.addLocked(m)
	s.echoLocked(m)
	return ok(object{"channel": channel, "ts": m.TS, "message": s.wire(m, true)})
}

// chatUpdate edits a message the bot posted; anything else is cant_update_message.
// Omitted blocks or metadata keep their previous value, as in Slack.
func (s *Server) chatUpdate(r apiRequest) apiResult {
	channel, ts := r.get("channel"), r.get("ts")
	if channel == "" {
		return fail("channel_not_found")
	}
	if ts == "" {
		return fail("message_not_found")
	}
	c, res := parseContent(r)
	if res != nil {
		return *res
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(channel, ts)
	switch {
	case m == nil:
		return fail("message_not_found")
	case m.BotID != s.cfg.botID:
		return fail("cant_update_message")
	}
	previous := s.wire(m, true)
	s.editLocked(m, c)
	s.echoChangedLocked(m, previous)
	return ok(object{"channel": channel, "ts": ts, "text": m.Text, "message": s.wire(m, true)})
}

// editLocked applies new content to m and keeps the old version.
func (s *Server) editLocked(m *message, c content) {
	m.Revisions = append(m.Revisions, Revision{Text: m.Text, BlocksJSON: m.BlocksJSON, MetadataJSON: m.MetadataJSON})
	if c.hasText {
		m.Text = c.text
	}
	if c.hasBlocks {
		m.BlocksJSON = c.blocks
	}
	if c.hasMetadata {
		m.MetadataJSON = c.metadata
	}
	m.Edits++
	m.editedTS = s.newTSLocked()
	s.notifyLocked()
}

func (s *Server) chatPostEphemeral(r apiRequest) apiResult {
	channel, user := r.get("channel"), r.get("user")
	if channel == "" {
		return fail("channel_not_found")
	}
	if user == "" {
		return fail("user_not_in_channel")
	}
	c, res := parseContent(r)
	if res != nil {
		return *res
	}
	if len(c.text) == 0 && c.blocks == nil && r.get("attachments") == "" {
		return fail("no_text")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := Ephemeral{Channel: channel, User: user, TS: s.newTSLocked(), ThreadTS: r.get("thread_ts"), Text: c.text, BlocksJSON: c.blocks}
	s.ephemerals[channel] = append(s.ephemerals[channel], e)
	s.notifyLocked()
	return ok(object{"message_ts": e.TS})
}

func (s *Server) reactionsAdd(r apiRequest) apiResult {
	channel, ts, name := r.get("channel"), r.get("timestamp"), strings.Trim(r.get("name"), ":")
	switch {
	case channel == "":
		return fail("channel_not_found")
	case ts == "":
		return fail("no_item_specified")
	case name == "":
		return fail("invalid_name")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(channel, ts)
	switch {
	case m == nil:
		return fail("message_not_found")
	case slices.Contains(m.Reactions, name):
		return fail("already_reacted")
	}
	m.Reactions = append(m.Reactions, name)
	s.notifyLocked()
	return ok(nil)
}

// conversationsReplies pages through a thread (limit, cursor), metadata only with
// include_all_metadata. ts may be the root or any reply.
func (s *Server) conversationsReplies(r apiRequest) apiResult {
	channel, ts := r.get("channel"), r.get("ts")
	s.mu.Lock()
	defer s.mu.Unlock()
	if channel == "" || len(s.channels[channel]) == 0 {
		return fail("channel_not_found")
	}
	m := s.findLocked(channel, ts)
	if m == nil {
		return fail("thread_not_found")
	}
	root := m.TS
	if m.ThreadTS != "" {
		root = m.ThreadTS
	}
	limit, err := strconv.Atoi(r.get("limit"))
	if err != nil || limit <= 0 || limit > 1000 {
		limit = 1000
	}
	from := ""
	if cur, err := base64.StdEncoding.DecodeString(r.get("cursor")); err == nil {
		from, _ = strings.CutPrefix(string(cur), "next_ts:")
	}
	withMetadata := parseBool(r.get("include_all_metadata"))
	msgs := []wireMessage{}
	next := ""
	for _, x := range s.channels[channel] {
		if (x.TS != root && x.ThreadTS != root) || x.TS < from {
			continue
		}
		if len(msgs) == limit {
			next = base64.StdEncoding.EncodeToString([]byte("next_ts:" + x.TS))
			break
		}
		msgs = append(msgs, s.wire(x, withMetadata))
	}
	return ok(object{"messages": msgs, "has_more": next != "", "response_metadata": object{"next_cursor": next}})
}

func (s *Server) assistantThreadsSetStatus(r apiRequest) apiResult {
	channel, thread := r.get("channel_id"), r.get("thread_ts")
	switch {
	case channel == "":
		return fail("channel_not_found")
	case thread == "":
		return fail("invalid_arguments")
	}
	key := threadKey{channel, thread}
	status := r.get("status")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses[key] = append(s.statuses[key], status)
	if status == "" {
		delete(s.status, key)
	} else {
		s.status[key] = status
	}
	s.notifyLocked()
	return ok(nil)
}

func parseBool(v string) bool {
	b, err := strconv.ParseBool(v)
	return err == nil && b
}
