// Package slacktest is a fake Slack for tests: an httptest server that speaks
// Slack's real wire protocol, so the production code under test uses the real
// slack-go client (slack + socketmode) unchanged.
//
// It serves the Web API methods the bot uses (auth.test, chat.postMessage,
// chat.update, chat.postEphemeral, reactions.add, conversations.replies,
// assistant.threads.setStatus, users.info, usergroups.users.list, apps.connections.open) with Slack's
// validation and error codes, and Socket Mode WebSockets with hello, pings,
// envelopes, acks, redelivery of un-acked events, and disconnects. Tests drive the
// human side (Mention, Post, ReplyInThread, ClickButton, DefineUserGroup; View and
// ClickFrom for people clicking the same message at once), inject faults (RateLimit,
// FailNext, Disconnect, DropConnections) and assert on what the bot did (Messages,
// Thread, Ephemerals, Statuses, Deliveries, WaitForMessage). Before asserting that
// the bot did NOT do something, WaitIdle waits until it has acked every envelope
// (Outstanding is zero) and says it has finished the work they caused.
//
// Usage:
//
//	func TestBotAnswersMention(t *testing.T) {
//		fake := slacktest.New(t, slacktest.AckTimeout(500*time.Millisecond), slacktest.PingInterval(time.Second))
//		api := slack.New(fake.BotToken(),
//			slack.OptionAPIURL(fake.APIURL()),
//			slack.OptionAppLevelToken(fake.AppToken()))
//		startBot(t, socketmode.New(api, socketmode.OptionPingInterval(3*time.Second)))
//		fake.WaitConnected(t, 1)
//
//		thread := fake.Mention("C111", "U222", "why is checkout crashing?")
//		reply := fake.WaitForMessage(t, "C111", thread, func(m slacktest.Message) bool {
//			return m.BotID != "" && strings.Contains(m.Text, "OOMKilled")
//		}, 5*time.Second)
//		_ = reply
//	}
//
// Behaviour the bot must cope with, as Slack has it: a channel mention arrives
// twice (app_mention and message, same ts, different event_id); the bot's own posts
// come back as message events without a subtype (and its edits as message_changed);
// an envelope not acked within AckTimeout comes back with retry_attempt+1, a new
// envelope_id and the same event_id; a disconnect frame never reaches
// socketmode.Client.Events.
package slacktest
