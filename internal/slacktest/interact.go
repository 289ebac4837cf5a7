package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// responseTarget is what a response_url answers to.
type responseTarget struct {
	channel, messageTS, threadTS, user string
}

// ClickButton has user click the button actionID on the message at messageTS as it
// is now, as Slack does: an `interactive` envelope with a block_actions payload built
// from the message in history (container, actions, message with blocks and
// metadata, user, response_url, trigger_id). It returns the envelope id; interactive
// envelopes are not redelivered. An unknown message or action fails the test and
// returns "". To click a message as someone saw it earlier, use View and ClickFrom.
func (s *Server) ClickButton(channel, messageTS, user, actionID string) (envelopeID string) {
	return s.ClickFrom(s.View(channel, messageTS), user, actionID)
}

// View is a message as a person's Slack client showed it at one moment. People
// looking at the same message click the buttons they see: when two approvers click
// Approve at once, both clicks leave their clients before the bot's first update
// takes the buttons away. ClickFrom clicks from a View, whatever the message has
// become since; ClickButton clicks the message as it is now.
type View struct {
	Message             // the message as it was shown
	wire    wireMessage // the message as block_actions carries it
}

// View captures the message at ts in channel as it is now, for ClickFrom. An
// unknown message fails the test and returns the zero View.
func (s *Server) View(channel, ts string) View {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(channel, ts)
	if m == nil {
		s.t.Errorf("slacktest: no message %s in %s", ts, channel)
		return View{}
	}
	w := s.wire(m, true)
	w.BotProfile = nil // block_actions carries the message without bot_profile
	w.Blocks, w.Metadata, w.ReplyUsers = slices.Clone(w.Blocks), slices.Clone(w.Metadata), slices.Clone(w.ReplyUsers)
	return View{Message: m.snapshot(), wire: w}
}

// ClickFrom has user click the button actionID of the message as view shows it,
// as ClickButton does for the message as it is now: the payload carries the
// message as the view has it, and its response_url still answers to that message.
// It returns the envelope id. The zero View, or an action the view does not show,
// fails the test and returns "".
func (s *Server) ClickFrom(view View, user, actionID string) (envelopeID string) {
	if view.TS == "" {
		s.t.Errorf("slacktest: ClickFrom: a zero View (no message was captured)")
		return ""
	}
	action, found := findAction(view.BlocksJSON, actionID)
	if !found {
		s.t.Errorf("slacktest: message %s/%s has no button %q", view.Channel, view.TS, actionID)
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	channel := view.Channel
	actionTS := s.newTSLocked()
	action["action_ts"] = actionTS
	container := object{"type": "message", "message_ts": view.TS, "channel_id": channel, "is_ephemeral": false}
	threadTS := ""
	if view.ThreadTS != "" && view.ThreadTS != view.TS {
		threadTS = view.ThreadTS
		container["thread_ts"] = threadTS
	}
	path := fmt.Sprintf("/actions/%s/%d/%s", s.cfg.teamID, tsSeconds(actionTS), randomHex(12))
	s.responseURLs[path] = responseTarget{channel: channel, messageTS: view.TS, threadTS: threadTS, user: user}
	payload := object{
		"type":                  "block_actions",
		"user":                  object{"id": user, "username": s.userName(user), "name": s.userName(user), "team_id": s.cfg.teamID},
		"api_app_id":            s.cfg.appID,
		"token":                 "fake-verification-token",
		"container":             container,
		"trigger_id":            fmt.Sprintf("%d.%d.%s", tsSeconds(actionTS), s.nextLocked(), randomHex(16)),
		"team":                  object{"id": s.cfg.teamID, "domain": "fake"},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               object{"id": channel, "name": strings.ToLower(channel)},
		"message":               view.wire,
		"state":                 object{"values": object{}},
		"response_url":          s.baseURL + path,
		"actions":               []any{action},
	}
	return s.sendEnvelopeLocked(EnvelopeInteractive, mustJSON(payload), "", "block_actions", 0, "")
}

// findAction finds the button actionID in blocks and returns it as block_actions
// reports it: action_id, block_id, text, value, style, type.
func findAction(blocks json.RawMessage, actionID string) (object, bool) {
	var parsed []map[string]any
	if json.Unmarshal(blocks, &parsed) != nil {
		return nil, false
	}
	for _, b := range parsed {
		var elems []any
		switch b["type"] {
		case "actions":
			elems, _ = b["elements"].([]any)
		case "section":
			elems = []any{b["accessory"]}
		}
		for _, e := range elems {
			el, isObj := e.(map[string]any)
			if !isObj || el["action_id"] != actionID || el["type"] != "button" {
				continue
			}
			action := object{"action_id": actionID, "block_id": b["block_id"], "text": el["text"], "type": "button"}
			for _, k := range []string{"value", "style"} {
				if v, present := el[k]; present {
					action[k] = v
				}
			}
			return action, true
		}
	}
	return nil, false
}

// serveResponseURL answers a POST to a block_actions response_url: replace_original
// edits the message, delete_original removes it, response_type "in_channel" posts
// in the thread, anything else is an ephemeral message to the user who clicked.
// Calls("response_url") counts them.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls["response_url"]++
	target, known := s.responseURLs[r.URL.Path]
	s.notifyLocked()
	s.mu.Unlock()
	if !known {
		http.Error(w, "no_service", http.StatusNotFound)
		return
	}
	var body struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ThreadTS        string          `json:"thread_ts"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil || json.Unmarshal(raw, &body) != nil {
		writeJSON(w, http.StatusBadRequest, fail("invalid_payload").body)
		return
	}
	c := content{text: body.Text, hasText: true}
	if len(body.Blocks) > 0 && string(body.Blocks) != "null" {
		blocks, res := validateBlocks(string(body.Blocks))
		if res != nil {
			writeJSON(w, http.StatusOK, res.body)
			return
		}
		c.blocks, c.hasBlocks = blocks, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findLocked(target.channel, target.messageTS)
	switch {
	case (body.ReplaceOriginal || body.DeleteOriginal) && m == nil:
		writeJSON(w, http.StatusOK, fail("message_not_found").body)
		return
	case body.DeleteOriginal:
		s.deleteLocked(m)
	case body.ReplaceOriginal:
		previous := s.wire(m, true)
		s.editLocked(m, c)
		s.echoChangedLocked(m, previous)
	case body.ResponseType == "in_channel":
		thread := body.ThreadTS
		if thread == "" {
			thread = target.threadTS
		}
		reply := &message{Message: Message{
			Channel: target.channel, TS: s.newTSLocked(), ThreadTS: thread, User: s.cfg.botUserID,
			BotID: s.cfg.botID, AppID: s.cfg.appID, Text: c.text, BlocksJSON: c.blocks,
		}}
		s.addLocked(reply)
		s.echoLocked(reply)
	default:
		e := Ephemeral{Channel: target.channel, User: target.user, TS: s.newTSLocked(), ThreadTS: target.threadTS, Text: c.text, BlocksJSON: c.blocks}
		s.ephemerals[target.channel] = append(s.ephemerals[target.channel], e)
		s.notifyLocked()
	}
	writeJSON(w, http.StatusOK, object{"ok": true})
}

// deleteLocked removes m from its channel's history.
func (s *Server) deleteLocked(m *message) {
	msgs := s.channels[m.Channel]
	for i, x := range msgs {
		if x == m {
			s.channels[m.Channel] = append(msgs[:i:i], msgs[i+1:]...)
			break
		}
	}
	s.notifyLocked()
}
