package slacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// webCheck checks one Web API fixture against slack-go and the fake.
type webCheck func(t *testing.T, s *Server, api *slack.Client, raw []byte)

func checkWeb(t *testing.T, name string, raw []byte) {
	checks := map[string]webCheck{
		"web_auth_test_response_user_token_docs":                       checkAuthTestResponse,
		"web_auth_test_response_bot_token":                             checkAuthTestResponse,
		"web_chat_postMessage_response_docs":                           checkPostMessageResponse,
		"web_chat_postMessage_response_thread_reply_bot":               checkPostMessageResponse,
		"web_chat_update_response_docs":                                checkUpdateResponse,
		"web_conversations_replies_response_docs":                      checkRepliesResponse,
		"web_chat_appendStream_response_docs":                          checkAppendStreamResponse,
		"web_chat_postMessage_error_too_many_attachments_docs":         cannedAnswer("chat.postMessage"),
		"web_chat_update_error_cant_update_message_docs":               cannedAnswer("chat.update"),
		"web_reactions_add_response_docs":                              cannedAnswer("reactions.add"),
		"web_reactions_add_error_already_reacted_docs":                 cannedAnswer("reactions.add"),
		"web_assistant_threads_setStatus_response_docs":                cannedAnswer("assistant.threads.setStatus"),
		"web_assistant_threads_setStatus_error_channel_not_found_docs": cannedAnswer("assistant.threads.setStatus"),
		"web_error_invalid_auth_docs":                                  checkInvalidAuth,
		"web_assistant_threads_setStatus_request_docs":                 checkSetStatusJSONRequest,
		"web_chat_postMessage_metadata_param_example_docs":             checkMetadataParam,
		"web_ratelimited_error":                                        checkRateLimitedBody,
		"web_chat_stream_chunk_markdown_text_docs":                     decodesAs[slack.MarkdownTextChunk](slack.StreamChunkMarkdownText),
		"web_chat_stream_chunk_task_update_docs":                       decodesAs[slack.TaskUpdateChunk](slack.StreamChunkTaskUpdate),
		"web_chat_stream_chunk_plan_update_docs":                       decodesAs[slack.PlanUpdateChunk](slack.StreamChunkPlanUpdate),
	}
	check, found := checks[name]
	if !found {
		t.Errorf("no conformance check for web fixture %s", name)
		return
	}
	s := New(t)
	check(t, s, s.Client(), raw)
}

// cannedAnswer serves the fixture as method's answer and checks slack-go reports
// its error code (or none).
func cannedAnswer(method string) webCheck {
	return func(t *testing.T, s *Server, api *slack.Client, raw []byte) {
		calls := map[string]func() error{
			"chat.postMessage": func() error { _, _, err := api.PostMessage("C111", slack.MsgOptionText("x", false)); return err },
			"chat.update": func() error {
				_, _, _, err := api.UpdateMessage("C111", "1.000001", slack.MsgOptionText("x", false))
				return err
			},
			"reactions.add": func() error { return api.AddReaction("eyes", slack.NewRefToMessage("C111", "1.000001")) },
			"assistant.threads.setStatus": func() error {
				return api.SetAssistantThreadsStatus(slack.AssistantThreadsSetStatusParameters{ChannelID: "C111", ThreadTS: "1.000001", Status: "x"})
			},
		}
		s.RespondNext(method, raw)
		err := calls[method]()
		if want := jsonField(t, raw, "error"); slackErr(err) != want || (want == "" && err != nil) {
			t.Errorf("%s error = %v, want %q", method, err, want)
		}
	}
}

func checkAuthTestResponse(t *testing.T, s *Server, api *slack.Client, raw []byte) {
	s.RespondNext("auth.test", raw)
	got, err := api.AuthTest()
	if err != nil || got.UserID != jsonField(t, raw, "user_id") || got.TeamID != jsonField(t, raw, "team_id") || got.BotID != jsonField(t, raw, "bot_id") {
		t.Errorf("auth.test = %+v, %v", got, err)
	}
}

func checkPostMessageResponse(t *testing.T, s *Server, api *slack.Client, raw []byte) {
	s.RespondNext("chat.postMessage", raw)
	channel, ts, err := api.PostMessage("C111", slack.MsgOptionText("x", false))
	if err != nil || channel != jsonField(t, raw, "channel") || ts != jsonField(t, raw, "ts") {
		t.Errorf("chat.postMessage = %s %s, %v", channel, ts, err)
	}
}

func checkUpdateResponse(t *testing.T, s *Server, api *slack.Client, raw []byte) {
	s.RespondNext("chat.update", raw)
	_, ts, text, err := api.UpdateMessage("C111", "1.000001", slack.MsgOptionText("x", false))
	if err != nil || ts != jsonField(t, raw, "ts") || text != jsonField(t, raw, "text") {
		t.Errorf("chat.update = %s %q, %v", ts, text, err)
	}
}

func checkRepliesResponse(t *testing.T, s *Server, api *slack.Client, raw []byte) {
	s.RespondNext("conversations.replies", raw)
	msgs, more, cursor, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C111", Timestamp: "1.000001"})
	if err != nil || len(msgs) != 4 || !more || cursor != jsonField(t, raw, "response_metadata", "next_cursor") {
		t.Fatalf("conversations.replies = %d messages, more %v, cursor %q, %v", len(msgs), more, cursor, err)
	}
	if msgs[0].ReplyCount != 3 || msgs[1].ParentUserId != msgs[0].User || msgs[1].ThreadTimestamp != msgs[0].Timestamp {
		t.Errorf("thread = %+v / %+v", msgs[0].Msg, msgs[1].Msg)
	}
}

func checkAppendStreamResponse(t *testing.T, s *Server, api *slack.Client, raw []byte) {
	s.RespondNext("chat.appendStream", raw)
	channel, ts, err := api.AppendStream("C111", "1.000001", slack.MsgOptionMarkdownText("more"))
	if err != nil || channel != jsonField(t, raw, "channel") || ts != jsonField(t, raw, "ts") {
		t.Errorf("chat.appendStream = %s %s, %v", channel, ts, err)
	}
}

// checkInvalidAuth checks the fake's own invalid_auth answer is the documented body.
func checkInvalidAuth(t *testing.T, s *Server, _ *slack.Client, raw []byte) {
	resp, err := http.PostForm(s.APIURL()+"auth.test", map[string][]string{"token": {"xoxb-wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !jsonEqual(t, body, raw) {
		t.Errorf("invalid token answer = %s, want %s", body, raw)
	}
}

// checkSetStatusJSONRequest sends the documented JSON request body with a Bearer token.
func checkSetStatusJSONRequest(t *testing.T, s *Server, _ *slack.Client, raw []byte) {
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, s.APIURL()+"assistant.threads.setStatus", strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+s.BotToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct{ OK bool }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || !answer.OK {
		t.Fatalf("answer ok=%v, %v", answer.OK, err)
	}
	got := s.Statuses(jsonField(t, raw, "channel_id"), jsonField(t, raw, "thread_ts"))
	if want := jsonField(t, raw, "status"); len(got) != 1 || got[0] != want {
		t.Errorf("statuses = %q, want [%q]", got, want)
	}
}

// checkMetadataParam posts the documented metadata and reads it back.
func checkMetadataParam(t *testing.T, s *Server, api *slack.Client, raw []byte) {
	var md slack.SlackMetadata
	if err := json.Unmarshal(raw, &md); err != nil {
		t.Fatal(err)
	}
	_, ts, err := api.PostMessage("C111", slack.MsgOptionText("task", false), slack.MsgOptionMetadata(md))
	if err != nil {
		t.Fatal(err)
	}
	msgs, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C111", Timestamp: ts, IncludeAllMetadata: true})
	if err != nil || len(msgs) != 1 || msgs[0].Metadata.EventType != md.EventType || msgs[0].Metadata.EventPayload["title"] != md.EventPayload["title"] {
		t.Errorf("metadata back = %+v, %v", msgs, err)
	}
}

// checkRateLimitedBody checks the fake's 429 answer: body and Retry-After.
func checkRateLimitedBody(t *testing.T, s *Server, _ *slack.Client, raw []byte) {
	s.RateLimit("chat.postMessage", 1, 30*time.Second)
	resp, err := http.PostForm(s.APIURL()+"chat.postMessage", map[string][]string{"token": {s.BotToken()}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" || !jsonEqual(t, body, raw) {
		t.Errorf("429 answer = %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// decodesAs checks a streaming chunk decodes into slack-go's chunk type.
func decodesAs[C slack.StreamChunk](want slack.StreamChunkType) webCheck {
	return func(t *testing.T, _ *Server, _ *slack.Client, raw []byte) {
		var chunk C
		if err := json.Unmarshal(raw, &chunk); err != nil || chunk.ChunkType() != want {
			t.Errorf("chunk = %+v, %v; want type %s", chunk, err, want)
		}
	}
}
