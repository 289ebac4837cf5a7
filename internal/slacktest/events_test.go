package slacktest

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestBotPostsComeBackAsMessageEvents(t *testing.T) {
	s := New(t, MentionAlsoMessage(false))
	c := startClient(t, s, 30*time.Second)
	thread := s.Post("C111", "U222", "root")
	c.ack(t, c.next(t, socketmode.EventTypeEventsAPI))

	_, ts, err := c.api.PostMessage("C111", slack.MsgOptionTS(thread), slack.MsgOptionText("working on it", false))
	if err != nil {
		t.Fatal(err)
	}
	e, api, _ := c.nextEventsAPI(t)
	c.ack(t, e)
	echo := api.InnerEvent.Data.(*slackevents.MessageEvent)
	if echo.User != s.BotUserID() || echo.BotID != s.BotID() || echo.SubType != "" || echo.TimeStamp != ts ||
		echo.ThreadTimeStamp != thread || echo.Message.ParentUserId != "U222" || echo.Message.BotProfile == nil {
		t.Errorf("echo = %+v / %+v", echo, echo.Message)
	}

	if _, _, _, err := c.api.UpdateMessage("C111", ts, slack.MsgOptionText("done", false)); err != nil {
		t.Fatal(err)
	}
	e, api, _ = c.nextEventsAPI(t)
	c.ack(t, e)
	changed := api.InnerEvent.Data.(*slackevents.MessageEvent)
	if changed.SubType != "message_changed" || changed.User != "" || changed.Message.Text != "done" ||
		changed.Message.Timestamp != ts || changed.PreviousMessage.Text != "working on it" || changed.Message.Edited == nil {
		t.Errorf("message_changed = %+v / %+v", changed, changed.Message)
	}
}

func TestNoEchoWhenDisabled(t *testing.T) {
	s := New(t, EchoBotMessages(false))
	c := startClient(t, s, 30*time.Second)
	if _, _, err := c.api.PostMessage("C111", slack.MsgOptionText("quiet", false)); err != nil {
		t.Fatal(err)
	}
	if d := s.Deliveries(); len(d) != 0 {
		t.Errorf("the bot's post came back as %d event(s) with echoes disabled: %+v", len(d), d)
	}
}

func TestThreadReplyCarriesThreadAndParent(t *testing.T) {
	s := New(t)
	c := startClient(t, s, 30*time.Second)
	root := s.Post("C111", "U222", "root")
	c.ack(t, c.next(t, socketmode.EventTypeEventsAPI))
	reply := s.ReplyInThread("C111", root, "U333", "also check staging")
	_, api, _ := c.nextEventsAPI(t)
	msg := api.InnerEvent.Data.(*slackevents.MessageEvent)
	if msg.TimeStamp != reply || msg.ThreadTimeStamp != root || msg.Message.ParentUserId != "U222" || msg.SubType != "" {
		t.Errorf("reply = %+v / %+v", msg, msg.Message)
	}
}

func TestClickButtonAndResponseURL(t *testing.T) {
	s := New(t)
	c := startClient(t, s, 30*time.Second)
	thread := s.Mention("C111", "U222", "checkout is down")
	md := slack.SlackMetadata{EventType: "fix_proposed", EventPayload: map[string]any{"fix_id": "fix-42"}}
	_, proposal, err := c.api.PostMessage("C111", slack.MsgOptionTS(thread), slack.MsgOptionText("Proposed fix", false),
		slack.MsgOptionBlocks(approvalBlocks("fix-42")...), slack.MsgOptionMetadata(md))
	if err != nil {
		t.Fatal(err)
	}

	id := s.ClickButton("C111", proposal, "U222", "approve_fix")
	e := c.next(t, socketmode.EventTypeInteractive)
	c.ack(t, e)
	s.WaitAcked(t, id, waitLong)
	cb := e.Data.(slack.InteractionCallback)
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("callback = %+v", cb)
	}
	act := cb.ActionCallback.BlockActions[0]
	if act.ActionID != "approve_fix" || act.BlockID != "decision-fix-42" || act.Value != "fix-42" || act.Text.Text != "Approve" || act.ActionTs == "" {
		t.Errorf("action = %+v", act)
	}
	if cb.Container.Type != "message" || cb.Container.MessageTs != proposal || cb.Container.ChannelID != "C111" || cb.Container.ThreadTs != thread {
		t.Errorf("container = %+v", cb.Container)
	}
	if cb.User.ID != "U222" || cb.User.Name == "" || cb.Message.Metadata.EventType != "fix_proposed" ||
		len(cb.Message.Blocks.BlockSet) != 2 || cb.TriggerID == "" || cb.ResponseURL == "" || cb.APIAppID != s.AppID() {
		t.Errorf("callback = user %+v, message %+v, trigger %q, response_url %q", cb.User, cb.Message.Msg, cb.TriggerID, cb.ResponseURL)
	}

	_, _, err = c.api.PostMessage("C111", slack.MsgOptionReplaceOriginal(cb.ResponseURL), slack.MsgOptionText("Approved by <@U222>", false))
	if err != nil {
		t.Fatalf("response_url: %v", err)
	}
	got := s.Thread("C111", thread)[1]
	if got.Text != "Approved by <@U222>" || got.Edits != 1 {
		t.Errorf("after replace_original: %+v", got)
	}
	_, _, err = c.api.PostMessage("C111", slack.MsgOptionResponseURL(cb.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("only you", false))
	if err != nil || len(s.Ephemerals("C111")) != 1 {
		t.Errorf("ephemeral response: %v, %+v", err, s.Ephemerals("C111"))
	}
}

func TestBlocksGetIDsLikeSlack(t *testing.T) {
	s := New(t)
	block := slack.NewActionBlock("", slack.NewButtonBlockElement("", "v", slack.NewTextBlockObject(slack.PlainTextType, "Go", false, false)))
	_, ts, err := s.Client().PostMessage("C111", slack.MsgOptionBlocks(block))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Messages("C111")[0]
	if got.TS != ts {
		t.Fatalf("ts = %s, want %s", got.TS, ts)
	}
	ab := got.Blocks.BlockSet[0].(*slack.ActionBlock)
	if ab.BlockID == "" || ab.Elements.ElementSet[0].(*slack.ButtonBlockElement).ActionID == "" {
		t.Errorf("ids not filled: %s", got.BlocksJSON)
	}
}

func TestClickFromAViewUsesTheButtonsAsSeen(t *testing.T) {
	rec := &recordingTB{TB: t}
	s := New(rec)
	c := startClient(t, s, 30*time.Second)
	thread := s.Mention("C111", "U222", "checkout is down")
	_, proposal, err := c.api.PostMessage("C111", slack.MsgOptionTS(thread), slack.MsgOptionText("Proposed fix", false),
		slack.MsgOptionBlocks(approvalBlocks("fix-42")...))
	if err != nil {
		t.Fatal(err)
	}
	seen := s.View("C111", proposal) // two approvers look at the proposal
	if seen.Text != "Proposed fix" || len(seen.Blocks.BlockSet) != 2 {
		t.Fatalf("view = %+v", seen.Message)
	}
	// The first click is handled: the bot replaces the buttons with the outcome.
	if _, _, _, err := c.api.UpdateMessage("C111", proposal, slack.MsgOptionText("Approved by <@U222>", false), slack.MsgOptionBlocks()); err != nil {
		t.Fatal(err)
	}
	if id := s.ClickButton("C111", proposal, "U333", "approve_fix"); id != "" || !strings.Contains(rec.errors, "has no button") {
		t.Fatalf("ClickButton on the updated message = %q, errors %q; want a refusal: it has no buttons now", id, rec.errors)
	}
	rec.errors = ""

	// The second approver's screen still shows the buttons.
	ids := []string{s.ClickFrom(seen, "U333", "approve_fix"), s.ClickFrom(seen, "U444", "reject_fix")}
	if rec.errors != "" {
		t.Fatalf("ClickFrom failed: %s", rec.errors)
	}
	for i, want := range []struct{ user, action string }{{"U333", "approve_fix"}, {"U444", "reject_fix"}} {
		e := c.next(t, socketmode.EventTypeInteractive)
		c.ack(t, e)
		cb := e.Data.(slack.InteractionCallback)
		if e.Request.EnvelopeID != ids[i] || cb.User.ID != want.user || cb.ActionCallback.BlockActions[0].ActionID != want.action {
			t.Errorf("click %d = envelope %s by %s on %s, want envelope %s by %s on %s", i, e.Request.EnvelopeID, cb.User.ID,
				cb.ActionCallback.BlockActions[0].ActionID, ids[i], want.user, want.action)
		}
		if cb.Container.MessageTs != proposal || cb.Container.ThreadTs != thread || cb.Message.Text != "Proposed fix" || len(cb.Message.Blocks.BlockSet) != 2 {
			t.Errorf("click %d carries container %+v and message %q with %d blocks, want the proposal as it was seen",
				i, cb.Container, cb.Message.Text, len(cb.Message.Blocks.BlockSet))
		}
	}
	if id := s.ClickFrom(seen, "U333", "no_such_button"); id != "" || !strings.Contains(rec.errors, "no button") {
		t.Errorf("a button the view does not show = %q, errors %q; want a test failure", id, rec.errors)
	}
}
