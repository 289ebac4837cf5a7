package bot

import (
	"context"
	"encoding/json"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
)

// loop reads socket events: ack first, then route. Work that may take
// time runs in thread workers, never here.
func (b *Bot) loop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case evt, ok := <-b.socket.Events:
			if !ok {
				return nil
			}
			b.pending.Add(1) // before handle acks it
			b.handle(ctx, evt)
			b.pending.Add(-1)
		}
	}
}

func (b *Bot) handle(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeEventsAPI:
		b.ack(evt)
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			b.log.Warn("events_api envelope without an event", zap.Any("data", evt.Data))
			return
		}
		b.onEvent(ctx, ev)
	case socketmode.EventTypeInteractive:
		b.ack(evt)
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			b.log.Warn("interactive envelope without a callback")
			return
		}
		if cb.Type == slack.InteractionTypeBlockActions {
			b.onBlockActions(ctx, cb)
		}
	case socketmode.EventTypeSlashCommand:
		b.ack(evt)
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not parse it; Slack still needs the ack or it
		// redelivers. Take the envelope id from the raw frame.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
				if err := b.socket.AckCtx(ctx, env.EnvelopeID, nil); err != nil {
					b.log.Warn("ack unparseable envelope", zap.Error(err))
				}
			}
			b.log.Warn("unparseable Socket Mode message", zap.Error(bad.Cause))
		}
	case socketmode.EventTypeConnected:
		b.connected.Store(true)
		b.log.Info("socket connected")
	case socketmode.EventTypeConnecting:
		b.connected.Store(false)
		b.log.Debug("socket connecting")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError:
		b.metrics.Errors.WithLabelValues("slack").Inc()
		b.log.Warn("socket error", zap.Any("detail", evt.Data))
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("Slack rejected SLACK_APP_TOKEN (invalid_auth)")
	}
}

func (b *Bot) ack(evt socketmode.Event) {
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return
	}
	b.metrics.EventsReceived.WithLabelValues(string(evt.Type)).Inc()
	if err := b.socket.Ack(*evt.Request); err != nil {
		b.metrics.Errors.WithLabelValues("slack").Inc()
		b.log.Warn("ack", zap.String("envelope", evt.Request.EnvelopeID), zap.Error(err))
		return
	}
	b.metrics.EventsAcked.WithLabelValues(string(evt.Type)).Inc()
}
