package slacktest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

func approvalBlocks(fixID string) []slack.Block {
	return []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Proposed fix*: raise memory limit", false, false), nil, nil, slack.SectionBlockOptionBlockID("proposal-"+fixID)),
		slack.NewActionBlock("decision-"+fixID,
			slack.NewButtonBlockElement("approve_fix", fixID, slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement("reject_fix", fixID, slack.NewTextBlockObject(slack.PlainTextType, "Reject", false, false)).WithStyle(slack.StyleDanger),
		),
	}
}

func TestAuthTest(t *testing.T) {
	s := New(t)
	got, err := s.Client().AuthTest()
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != s.BotUserID() || got.BotID != s.BotID() || got.TeamID != s.TeamID() {
		t.Errorf("auth.test = %+v", got)
	}
}

func TestPostUpdateRepliesRoundTrip(t *testing.T) {
	s := New(t)
	api := s.Client()
	thread := s.Mention("C111", "U222", "checkout is down")

	md := slack.SlackMetadata{EventType: "fix_proposed", EventPayload: map[string]any{"fix_id": "fix-42"}}
	_, ts, err := api.PostMessage("C111", slack.MsgOptionTS(thread), slack.MsgOptionText("Proposed fix", false),
		slack.MsgOptionBlocks(approvalBlocks("fix-42")...), slack.MsgOptionMetadata(md))
	if err != nil {
		t.Fatalf("chat.postMessage: %v", err)
	}
	_, _, _, err = api.UpdateMessage("C111", ts, slack.MsgOptionText("Approved by <@U222>", false), slack.MsgOptionBlocks())
	if err != nil {
		t.Fatalf("chat.update: %v", err)
	}

	msgs, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C111", Timestamp: thread, IncludeAllMetadata: true})
	if err != nil {
		t.Fatalf("conversations.replies: %v", err)
	}
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want root and reply", len(msgs))
	}
	root, reply := msgs[0], msgs[1]
	if root.ReplyCount != 1 || root.ThreadTimestamp != thread || root.User != "U222" {
		t.Errorf("root = %+v", root.Msg)
	}
	if reply.Text != "Approved by <@U222>" || reply.Edited == nil || reply.BotID != s.BotID() ||
		reply.ParentUserId != "U222" || reply.Metadata.EventType != "fix_proposed" || len(reply.Blocks.BlockSet) != 0 {
		t.Errorf("reply = %+v", reply.Msg)
	}

	plain, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C111", Timestamp: thread})
	if err != nil || plain[1].Metadata.EventType != "" {
		t.Errorf("without include_all_metadata: metadata %+v, %v", plain[1].Metadata, err)
	}

	got := s.Thread("C111", thread)[1]
	if got.Edits != 1 || len(got.Revisions) != 1 || got.Revisions[0].Text != "Proposed fix" || got.Metadata == nil {
		t.Errorf("history = %+v", got)
	}
	var old slack.Blocks
	if err := old.UnmarshalJSON(got.Revisions[0].BlocksJSON); err != nil || len(old.BlockSet) != 2 {
		t.Errorf("revision blocks = %s (%v)", got.Revisions[0].BlocksJSON, err)
	}
}

func TestConversationsRepliesPages(t *testing.T) {
	s := New(t)
	api := s.Client()
	root := s.Post("C111", "U222", "root")
	for i := range 4 {
		s.ReplyInThread("C111", root, "U333", fmt.Sprint(i))
	}
	var texts []string
	params := &slack.GetConversationRepliesParameters{ChannelID: "C111", Timestamp: root, Limit: 2}
	for {
		msgs, more, cursor, err := api.GetConversationReplies(params)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			texts = append(texts, m.Text)
		}
		if !more {
			break
		}
		params.Cursor = cursor
	}
	if diff := cmp.Diff([]string{"root", "0", "1", "2", "3"}, texts); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

func TestChatErrors(t *testing.T) {
	s := New(t)
	api := s.Client()
	human := s.Post("C111", "U222", "mine")
	_, bot, err := api.PostMessage("C111", slack.MsgOptionText("bot", false))
	if err != nil {
		t.Fatal(err)
	}
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = slack.NewDividerBlock()
	}
	section := func(n int) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("a", n), false, false), nil, nil)
	}
	button := func(id, label string) slack.BlockElement {
		return slack.NewButtonBlockElement(id, "v", slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"update a human message", func() error {
			_, _, _, err := api.UpdateMessage("C111", human, slack.MsgOptionText("x", false))
			return err
		}, "cant_update_message"},
		{"update an unknown message", func() error {
			_, _, _, err := api.UpdateMessage("C111", "1.000001", slack.MsgOptionText("x", false))
			return err
		}, "message_not_found"},
		{"no channel", func() error { _, _, err := api.PostMessage("", slack.MsgOptionText("x", false)); return err }, "channel_not_found"},
		{"no text", func() error { _, _, err := api.PostMessage("C111"); return err }, "no_text"},
		{"text too long", func() error {
			_, _, err := api.PostMessage("C111", slack.MsgOptionText(strings.Repeat("a", 40001), false))
			return err
		}, "msg_too_long"},
		{"51 blocks", func() error { _, _, err := api.PostMessage("C111", slack.MsgOptionBlocks(many...)); return err }, "invalid_blocks"},
		{"section text 3001", func() error { _, _, err := api.PostMessage("C111", slack.MsgOptionBlocks(section(3001))); return err }, "invalid_blocks"},
		{"button text 76", func() error {
			_, _, err := api.PostMessage("C111", slack.MsgOptionBlocks(slack.NewActionBlock("a", button("b", strings.Repeat("x", 76)))))
			return err
		}, "invalid_blocks"},
		{"duplicate block_id", func() error {
			_, _, err := api.PostMessage("C111", slack.MsgOptionBlocks(slack.NewActionBlock("a", button("b", "ok")), slack.NewActionBlock("a", button("c", "ok"))))
			return err
		}, "invalid_blocks"},
		{"duplicate action_id", func() error {
			_, _, err := api.PostMessage("C111", slack.MsgOptionBlocks(slack.NewActionBlock("a", button("b", "ok"), button("b", "ok"))))
			return err
		}, "invalid_blocks"},
		{"invalid blocks on update too", func() error {
			_, _, _, err := api.UpdateMessage("C111", bot, slack.MsgOptionBlocks(section(3001)))
			return err
		}, "invalid_blocks"},
		{"reaction twice", func() error {
			if err := api.AddReaction("eyes", slack.NewRefToMessage("C111", human)); err != nil {
				return err
			}
			return api.AddReaction("eyes", slack.NewRefToMessage("C111", human))
		}, "already_reacted"},
		{"replies of an unknown thread", func() error {
			_, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C111", Timestamp: "1.000001"})
			return err
		}, "thread_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := slackErr(tt.call()); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
	if n := len(s.Messages("C111")); n != 2 {
		t.Errorf("%d messages stored, want 2: refused calls must store nothing", n)
	}
}

func TestInvalidBlocksExplainWhere(t *testing.T) {
	s := New(t)
	_, _, err := s.Client().PostMessage("C111", slack.MsgOptionBlocks(slack.NewSectionBlock(
		slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("a", 3001), false, false), nil, nil)))
	e, isSlack := errors.AsType[slack.SlackErrorResponse](err)
	if !isSlack || len(e.ResponseMetadata.Messages) != 1 {
		t.Fatalf("err = %#v", err)
	}
	if want := "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"; e.ResponseMetadata.Messages[0] != want {
		t.Errorf("message = %q, want %q", e.ResponseMetadata.Messages[0], want)
	}
}

func TestRateLimitAndFailNext(t *testing.T) {
	s := New(t)
	api := s.Client()
	s.RateLimit("chat.postMessage", 1, 1500*time.Millisecond)
	_, _, err := api.PostMessage("C111", slack.MsgOptionText("hi", false))
	rl, limited := errors.AsType[*slack.RateLimitedError](err)
	if !limited || rl.RetryAfter != 2*time.Second {
		t.Fatalf("err = %#v, want *slack.RateLimitedError with RetryAfter 2s", err)
	}
	if _, _, err := api.PostMessage("C111", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("after the limit: %v", err)
	}
	if got := s.Calls("chat.postMessage"); got != 2 {
		t.Errorf("calls = %d, want 2", got)
	}

	s.FailNext("auth.test", "account_inactive")
	if _, err := api.AuthTest(); slackErr(err) != "account_inactive" {
		t.Errorf("FailNext: %v", err)
	}
	if _, err := api.AuthTest(); err != nil {
		t.Errorf("after FailNext: %v", err)
	}
}

func TestTokenChecks(t *testing.T) {
	s := New(t)
	withToken := func(bot, app string) *slack.Client {
		return slack.New(bot, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(app))
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"bot token on apps.connections.open", func() error {
			_, _, err := withToken(s.BotToken(), s.BotToken()).StartSocketModeContext(context.Background())
			return err
		}, "not_allowed_token_type"},
		{"app token on chat.postMessage", func() error {
			_, _, err := withToken(s.AppToken(), "").PostMessage("C111", slack.MsgOptionText("x", false))
			return err
		}, "not_allowed_token_type"},
		{"app token on conversations.replies", func() error {
			_, _, _, err := withToken(s.AppToken(), "").GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: "1.1"})
			return err
		}, "not_allowed_token_type"},
		{"bad app token", func() error {
			_, _, err := withToken(s.BotToken(), "xapp-wrong").StartSocketModeContext(context.Background())
			return err
		}, "invalid_auth"},
		{"bad bot token", func() error { _, err := withToken("xoxb-wrong", "").AuthTest(); return err }, "invalid_auth"},
		{"no token", func() error { _, err := withToken("", "").AuthTest(); return err }, "not_authed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := slackErr(err); got != tt.want && err.Error() != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
	resp, err := http.Post(s.APIURL()+"chat.nope", "application/x-www-form-urlencoded", strings.NewReader("token="+s.BotToken()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	if err := jsonDecode(resp, &body); err != nil || body.Error != "unknown_method" {
		t.Errorf("unknown method: %+v, %v", body, err)
	}
}

func TestEphemeralsStatusesAndReactions(t *testing.T) {
	s := New(t)
	api := s.Client()
	thread := s.Mention("C111", "U222", "help")
	if _, err := api.PostEphemeral("C111", "U222", slack.MsgOptionText("only you", false), slack.MsgOptionTS(thread)); err != nil {
		t.Fatal(err)
	}
	if e := s.Ephemerals("C111"); len(e) != 1 || e[0].User != "U222" || e[0].ThreadTS != thread || e[0].Text != "only you" {
		t.Errorf("ephemerals = %+v", e)
	}
	if err := api.AddReaction("eyes", slack.NewRefToMessage("C111", thread)); err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{"is reading logs…", "is thinking…"} {
		if err := api.SetAssistantThreadsStatus(slack.AssistantThreadsSetStatusParameters{ChannelID: "C111", ThreadTS: thread, Status: status}); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.Status("C111", thread); got != "is thinking…" {
		t.Errorf("status = %q", got)
	}
	if _, _, err := api.PostMessage("C111", slack.MsgOptionTS(thread), slack.MsgOptionText("found it", false)); err != nil {
		t.Fatal(err)
	}
	if got := s.Status("C111", thread); got != "" {
		t.Errorf("status after the bot replied = %q, want cleared", got)
	}
	if diff := cmp.Diff([]string{"is reading logs…", "is thinking…"}, s.Statuses("C111", thread)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if got := s.Thread("C111", thread)[0].Reactions; !cmp.Equal(got, []string{"eyes"}) {
		t.Errorf("reactions = %v", got)
	}
	err := api.SetAssistantThreadsStatus(slack.AssistantThreadsSetStatusParameters{ThreadTS: thread, Status: "x"})
	if slackErr(err) != "channel_not_found" {
		t.Errorf("setStatus without channel: %v", err)
	}
}

func TestWaitForMessage(t *testing.T) {
	s := New(t)
	api := s.Client()
	thread := s.Mention("C111", "U222", "help")
	// The bot answers only once WaitForMessage has looked and found nothing.
	looked := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Go(func() {
		<-looked
		_, _, _ = api.PostMessage("C111", slack.MsgOptionTS(thread), slack.MsgOptionText("on it", false))
	})
	m := s.WaitForMessage(t, "C111", thread, func(m Message) bool {
		once.Do(func() { close(looked) })
		return m.BotID != ""
	}, waitLong)
	wg.Wait()
	if m.Text != "on it" || m.ThreadTS != thread || m.User != s.BotUserID() {
		t.Errorf("message = %+v", m)
	}

	rec := &recordingTB{TB: t}
	s.WaitForMessage(rec, "C111", thread, func(m Message) bool { return m.Text == "never" }, 20*time.Millisecond)
	if !strings.Contains(rec.fatal, `U222: "<@UBOT111> help"`) || !strings.Contains(rec.fatal, `UBOT111 (bot): "on it"`) {
		t.Errorf("failure message lacks the thread dump:\n%s", rec.fatal)
	}
}

// recordingTB captures Fatalf and Errorf instead of failing. It is safe to use
// from one goroutine only.
type recordingTB struct {
	testing.TB
	fatal  string
	errors string
}

func (r *recordingTB) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors += fmt.Sprintf(format, args...) + "\n"
}

func TestUserGroupMembers(t *testing.T) {
	s := New(t)
	api := s.Client()
	s.DefineUserGroup("S0SRE", "U111", "U222")
	got, err := api.GetUserGroupMembersContext(t.Context(), "S0SRE")
	if err != nil {
		t.Fatalf("usergroups.users.list: %v", err)
	}
	if diff := cmp.Diff([]string{"U111", "U222"}, got); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	s.DefineUserGroup("S0SRE") // emptied
	if got, err := api.GetUserGroupMembersContext(t.Context(), "S0SRE"); err != nil || len(got) != 0 {
		t.Errorf("emptied group: %v, %v", got, err)
	}
	if _, err := api.GetUserGroupMembersContext(t.Context(), "S0NOPE"); err == nil || err.Error() != "no_such_subteam" {
		t.Errorf("unknown group: err = %v, want no_such_subteam", err)
	}
}
