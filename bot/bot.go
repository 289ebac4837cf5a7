package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/store"
)

// Config is the bot's behaviour.
type Config struct {
	// Approvers are the Slack user ids allowed to approve or reject fixes.
	// Empty means nobody can: proposals are shown but cannot be applied.
	Approvers []string
	// Channels, when set, are the only channel ids the bot works in.
	Channels []string
	// ProposalTTL is how long a proposal can be approved (default 30 minutes).
	ProposalTTL time.Duration
	// MaxInvestigations bounds investigations running at once (default 8).
	MaxInvestigations int
}

// Applier applies an approved preview; *kube.Fixer satisfies it.
type Applier interface {
	Apply(ctx context.Context, p kube.Preview) (kube.Applied, error)
}

// Deps are the bot's collaborators.
type Deps struct {
	API     *slack.Client
	Socket  *socketmode.Client
	Brain   agent.Brain
	Applier Applier
	Store   store.Store
	Log     *zap.Logger
}

// Bot is kubertnetes in Slack.
type Bot struct {
	cfg     Config
	api     *slack.Client
	socket  *socketmode.Client
	brain   agent.Brain
	applier Applier
	store   store.Store
	log     *zap.Logger
	self    string // the bot's own user id, from auth.test
	slots   chan struct{}

	mu       sync.Mutex
	threads  map[string]*thread
	workers  sync.WaitGroup
	warnedCh map[string]bool
}

// New validates the configuration and collaborators.
func New(cfg Config, d Deps) (*Bot, error) {
	var missing []string
	if d.API == nil {
		missing = append(missing, "Slack API client")
	}
	if d.Socket == nil {
		missing = append(missing, "Socket Mode client")
	}
	if d.Brain == nil {
		missing = append(missing, "brain")
	}
	if d.Store == nil {
		missing = append(missing, "store")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("new bot: missing %v", missing)
	}
	if d.Log == nil {
		d.Log = zap.NewNop()
	}
	if cfg.ProposalTTL <= 0 {
		cfg.ProposalTTL = 30 * time.Minute
	}
	if cfg.MaxInvestigations <= 0 {
		cfg.MaxInvestigations = 8
	}
	return &Bot{
		cfg: cfg, api: d.API, socket: d.Socket, brain: d.Brain, applier: d.Applier, store: d.Store, log: d.Log,
		slots: make(chan struct{}, cfg.MaxInvestigations), threads: map[string]*thread{}, warnedCh: map[string]bool{},
	}, nil
}

// Run connects to Slack and serves until ctx ends. It returns only after
// the socket loop and every thread worker have stopped.
func (b *Bot) Run(ctx context.Context) error {
	auth, err := b.api.AuthTestContext(ctx)
	if err != nil {
		return fmt.Errorf("slack auth.test (check SLACK_BOT_TOKEN): %w", err)
	}
	b.self = auth.UserID
	b.log.Info("connected to Slack", zap.String("team", auth.Team), zap.String("bot_user", auth.UserID))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return b.socket.RunContext(gctx) })
	g.Go(func() error { return b.loop(gctx) })
	err = g.Wait()
	b.workers.Wait()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// allowedChannel applies the channel allowlist; DMs are always allowed.
func (b *Bot) allowedChannel(channel string) bool {
	return len(b.cfg.Channels) == 0 || slices.Contains(b.cfg.Channels, channel) || (channel != "" && channel[0] == 'D')
}

func (b *Bot) isApprover(user string) bool { return slices.Contains(b.cfg.Approvers, user) }
