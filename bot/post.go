package bot

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"
	"golang.org/x/time/rate"
)

// postBurst is how many chat.postMessage calls a channel may take at once
// before pacing sets in: Slack allows short bursts, and one investigation
// in a quiet channel (status, a few findings, a proposal, the answer)
// should not wait for a clock.
const postBurst = 5

// pacer paces chat.postMessage per channel, as Slack asks (about one per
// second per channel). Callers wait their turn; nothing is dropped.
type pacer struct {
	every time.Duration
	clock clock

	mu       sync.Mutex
	channels map[string]*rate.Limiter
}

func newPacer(every time.Duration, c clock) *pacer {
	return &pacer{every: every, clock: c, channels: map[string]*rate.Limiter{}}
}

// wait blocks until channel may take another message, or ctx ends.
func (p *pacer) wait(ctx context.Context, channel string) error {
	p.mu.Lock()
	now := p.clock.Now()
	l := p.channels[channel]
	if l == nil {
		if len(p.channels) >= 1000 { // forget channels that are idle again
			for ch, x := range p.channels {
				if x.TokensAt(now) >= postBurst {
					delete(p.channels, ch)
				}
			}
		}
		l = rate.NewLimiter(rate.Every(p.every), postBurst)
		p.channels[channel] = l
	}
	r := l.ReserveN(now, 1) // always OK: 1 is within the burst
	p.mu.Unlock()
	delay := r.DelayFrom(now)
	if delay <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		r.CancelAt(p.clock.Now()) // give the turn back
		return ctx.Err()
	case <-p.clock.After(delay):
		return nil
	}
}

// noUnfurl turns off link and media unfurling: a link the model or a log
// put in a post is never fetched by Slack without a click (an image URL
// could carry data out in its query).
var noUnfurl = []slack.MsgOption{slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl()}

// post sends chat.postMessage in its channel's turn, waiting out rate
// limits (Retry-After), with unfurling off. It never runs on the socket loop.
func (b *Bot) post(ctx context.Context, channel string, opts ...slack.MsgOption) (string, error) {
	opts = append(slices.Clone(opts), noUnfurl...)
	var ts string
	err := b.retry(ctx, func() error {
		if err := b.pace.wait(ctx, channel); err != nil {
			return err
		}
		var err error
		_, ts, err = b.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ts, err
}

// update sends chat.update (tier 3, not paced), waiting out rate limits.
func (b *Bot) update(ctx context.Context, channel, ts string, opts ...slack.MsgOption) error {
	return b.retry(ctx, func() error {
		_, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, opts...)
		return err
	})
}

// retry calls call until it is not rate limited, at most 5 times, waiting
// the Retry-After Slack asks for.
func (b *Bot) retry(ctx context.Context, call func() error) error {
	const attempts = 5
	var err error
	for range attempts {
		err = call()
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			return err
		}
		wait := rl.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		b.log.Info("Slack rate limit; waiting", zap.Duration("retry_after", wait))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-b.clock.After(wait):
		}
	}
	return err
}

// postBlocks posts a Block Kit message in a thread, logging a failure.
func (b *Bot) postBlocks(ctx context.Context, channel, thread, text string, blocks []slack.Block) string {
	ts, err := b.post(ctx, channel, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...), slack.MsgOptionTS(thread))
	if err != nil {
		b.log.Error("post message", zap.String("channel", channel), zap.Error(err))
	}
	return ts
}

// reply posts plain text in a thread, logging a failure.
func (b *Bot) reply(ctx context.Context, channel, thread, text string) string {
	ts, err := b.post(ctx, channel, slack.MsgOptionText(trim(text, maxText), false), slack.MsgOptionTS(thread))
	if err != nil {
		b.log.Warn("post reply", zap.String("channel", channel), zap.Error(err))
	}
	return ts
}
