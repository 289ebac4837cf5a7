package bot

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/slack-go/slack/slackevents"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/store"
)

// mentionTag matches <@U123> and <@U123|name> in message text.
var mentionTag = regexp.MustCompile(`<@[A-Z0-9]+(\|[^>]*)?>`)

// onEvent routes one Events API event. Slack retries an event it thinks
// was not acked under the same event_id: a question is handled once per
// id (and once per message, see question). Events that are not questions
// (our own posts coming back, chatter, edits) cost no write at all.
func (b *Bot) onEvent(ctx context.Context, ev slackevents.EventsAPIEvent) {
	j, ok := b.route(ctx, ev.InnerEvent.Data)
	if !ok {
		return
	}
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" {
		if first, err := b.store.MarkSeen(ctx, "event/"+cb.EventID); err != nil || !first {
			return
		}
	}
	b.question(ctx, j)
}

// route turns an event into a question for the bot, or reports it is none.
func (b *Bot) route(ctx context.Context, data any) (job, bool) {
	switch e := data.(type) {
	case *slackevents.AppMentionEvent:
		if e.User == "" || e.User == b.self || e.BotID != "" {
			return job{}, false
		}
		root := e.ThreadTimeStamp
		if root == "" {
			root = e.TimeStamp
		}
		return job{channel: e.Channel, root: root, ts: e.TimeStamp, user: e.User, text: e.Text}, true
	case *slackevents.MessageEvent:
		// Edits, deletions, joins and every bot (ourselves included: our
		// posts come back with our user id and a bot_id, no subtype) are
		// not questions.
		if e.SubType != "" || e.BotID != "" || e.User == "" || e.User == b.self {
			return job{}, false
		}
		switch {
		case e.ChannelType == "im":
			root := e.ThreadTimeStamp
			if root == "" {
				root = e.TimeStamp
			}
			return job{channel: e.Channel, root: root, ts: e.TimeStamp, user: e.User, text: e.Text}, true
		case e.ThreadTimeStamp != "" && e.ThreadTimeStamp != e.TimeStamp && b.participates(ctx, e.Channel, e.ThreadTimeStamp):
			return job{channel: e.Channel, root: e.ThreadTimeStamp, ts: e.TimeStamp, user: e.User, text: e.Text}, true
		}
	}
	return job{}, false
}

// participates reports whether the bot has a conversation in a thread.
func (b *Bot) participates(ctx context.Context, channel, root string) bool {
	key := conversationKey(channel, root)
	b.mu.Lock()
	_, active := b.threads[key]
	b.mu.Unlock()
	if active {
		return true
	}
	_, err := b.store.Conversation(ctx, key)
	return err == nil
}

func conversationKey(channel, root string) string { return channel + "/" + root }

// question handles a human message addressed to the bot, once per
// (channel, ts) whichever route (app_mention or message) it came by.
func (b *Bot) question(ctx context.Context, j job) {
	if first, err := b.store.MarkSeen(ctx, "msg/"+j.channel+"/"+j.ts); err != nil || !first {
		return
	}
	if !b.allowedChannel(j.channel) {
		b.notEnabled(ctx, j)
		return
	}
	j.text = strings.TrimSpace(mentionTag.ReplaceAllString(j.text, ""))
	key := conversationKey(j.channel, j.root)
	if strings.EqualFold(strings.Trim(j.text, " .!"), "stop") {
		b.async(func() {
			if !b.mayAsk(ctx, key, j) {
				return
			}
			msg := "Nothing is running in this thread."
			if b.stop(key) {
				msg = "Stopped the current investigation."
			}
			b.reply(ctx, j.channel, j.root, msg)
		})
		return
	}
	if j.text == "" {
		j.text = "Is anything wrong in the cluster?"
	}
	j.kind = jobQuestion
	b.enqueue(ctx, key, j)
}

// notEnabled says once per channel that the bot does not work there.
func (b *Bot) notEnabled(ctx context.Context, j job) {
	if first, err := b.store.MarkSeen(ctx, "warned/"+j.channel); err != nil || !first {
		return
	}
	msg := "kubertnetes is not enabled in this channel. Ask an admin to add it to KUBERTNETES_CHANNELS, or mention me in an enabled channel."
	if isDM(j.channel) {
		msg = "I do not answer direct messages here (KUBERTNETES_ALLOW_DMS is off): mention me in a channel, where others can see the investigation."
	}
	b.async(func() { b.reply(ctx, j.channel, j.root, msg) })
}

// async runs slow work (Slack calls) off the socket loop; Run waits for it.
// The loop must keep draining events, or slack-go stops answering pings.
func (b *Bot) async(f func()) {
	b.workers.Add(1)
	b.pending.Add(1)
	go func() {
		defer b.workers.Done()
		defer b.pending.Add(-1)
		b.safely("async work", f)
	}()
}

// safely runs f and turns a panic into a logged error: one bad event, click
// or investigation must not take every thread and running fix down with it.
func (b *Bot) safely(what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			b.metrics.Errors.WithLabelValues("panic").Inc()
			b.log.Error("recovered from a panic", zap.String("in", what), zap.Any("panic", r), zap.Stack("stack"))
		}
	}()
	f()
}

var errNotFound = store.ErrNotFound

func isNotFound(err error) bool { return errors.Is(err, errNotFound) }
