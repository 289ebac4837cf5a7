package bot

import (
	"context"

	"github.com/slack-go/slack"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/kube"
)

// findingsAlone is how many findings an investigation posts as messages of
// their own; the rest are listed together in one message, updated in place.
const findingsAlone = 5

// findingPoster posts one investigation's findings in its thread without
// flooding it: each distinct finding once, the first findingsAlone with
// their evidence, the others as lines of a single list message.
type findingPoster struct {
	b               *Bot
	channel, thread string
	seen            map[string]bool
	alone           int
	rest            []kube.Finding
	restTS          string
}

func (b *Bot) newFindingPoster(channel, thread string) *findingPoster {
	return &findingPoster{b: b, channel: channel, thread: thread, seen: map[string]bool{}}
}

func (p *findingPoster) add(ctx context.Context, f kube.Finding) {
	key := f.Object.String() + " " + f.Reason
	if p.seen[key] {
		return
	}
	p.seen[key] = true
	if p.alone < findingsAlone {
		p.alone++
		text, blocks := renderFinding(f)
		p.b.postBlocks(ctx, p.channel, p.thread, text, blocks)
		return
	}
	p.rest = append(p.rest, f)
	text, blocks := renderFindingList(p.rest)
	if p.restTS == "" {
		p.restTS = p.b.postBlocks(ctx, p.channel, p.thread, text, blocks)
		return
	}
	if err := p.b.update(ctx, p.channel, p.restTS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err != nil {
		p.b.log.Warn("update findings list", zap.Error(err))
	}
}
