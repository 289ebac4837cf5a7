package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/fixflow"
	"github.com/kubertnetes/kubertnetes/metrics"
	"github.com/kubertnetes/kubertnetes/store"
)

// Config is the bot's behaviour.
type Config struct {
	// Approvers are the Slack user ids (U…, W…) and user-group ids (S…)
	// allowed to approve or reject fixes; groups are expanded with
	// usergroups.users.list (scope usergroups:read) and cached for a
	// minute. Empty means nobody can: proposals are shown but cannot be
	// applied.
	Approvers []string
	// RequesterCannotApprove refuses an approval by the person whose
	// question led to the proposal: someone else must approve it.
	RequesterCannotApprove bool
	// Askers are the Slack user ids and user-group ids who may ask the bot
	// (and stop its investigations), groups expanded as for Approvers.
	// Empty means everyone in the channels it works in. Anyone else is
	// told once per thread that they may not, and nothing is read.
	Askers []string
	// Channels, when set, are the only channel ids the bot works in.
	Channels []string
	// AllowDMs lets people ask in direct messages (Askers still apply);
	// otherwise a DM is answered once that the bot works in channels.
	AllowDMs bool
	// DMApprovals lets fixes be approved in a direct message, where
	// nobody else sees the change; otherwise Approve there is refused.
	DMApprovals bool
	// ProposalTTL is how long a proposal can be approved (default 30 minutes).
	ProposalTTL time.Duration
	// MaxInvestigations bounds investigations running at once (default 8).
	MaxInvestigations int
	// PostInterval paces chat.postMessage per channel: on average one
	// message per interval, in bursts of up to postBurst, queued and never
	// dropped (default 1 s, Slack's limit). chat.update, reactions and
	// ephemeral messages are not paced.
	PostInterval time.Duration
	// Price, when known, turns the thread's token use into an estimated cost.
	Price Price
	// Impersonate maps approvers' Slack user ids to the Kubernetes
	// identities their approved fixes are applied as. Nil applies every
	// fix as the fixer's own identity; when set, an approver without an
	// entry cannot apply.
	Impersonate map[string]fixflow.Identity
	// Verify bounds the verification after a fix is applied.
	Verify fixflow.VerifyOptions
}

// Price is what the model costs, in USD per million tokens.
type Price struct {
	Prompt, Completion float64
}

// Cost is the price of a number of tokens, in USD.
func (p Price) Cost(promptTokens, completionTokens int) float64 {
	return (p.Prompt*float64(promptTokens) + p.Completion*float64(completionTokens)) / 1e6
}

// Deps are the bot's collaborators.
type Deps struct {
	API    *slack.Client
	Socket *socketmode.Client
	Brain  agent.Brain
	// Fixer applies and verifies approved fixes; *fixer.Fixer satisfies
	// it. Without one, proposals are shown but an approval applies nothing
	// and says so.
	Fixer fixflow.Fixer
	// Auditor is optional.
	Auditor fixflow.Auditor
	Store   store.Store
	Log     *zap.Logger
	// Metrics is optional; without it the bot counts into a private registry.
	Metrics *metrics.Metrics
}

// Bot is kubertnetes in Slack.
type Bot struct {
	cfg     Config
	api     *slack.Client
	socket  *socketmode.Client
	brain   agent.Brain
	fixes   *fixflow.Workflow
	store   store.Store
	log     *zap.Logger
	self    string // the bot's own user id, from auth.test
	askers  *people
	slots   chan struct{}
	pace    *pacer
	metrics *metrics.Metrics
	clock   clock
	// connected is whether the Socket Mode connection is up, for /readyz.
	connected atomic.Bool
	// pending counts work in progress: envelopes being handled (counted
	// before they are acked), thread jobs queued or running, and async
	// calls. Zero means the bot is idle; tests wait for it.
	pending atomic.Int64

	mu      sync.Mutex
	threads map[string]*thread
	workers sync.WaitGroup
	// stopped is closed when Run's loops have ended: thread workers
	// started under a context that outlives Run (a note about a fix's
	// outcome is delivered with one) stop with it.
	stopped chan struct{}
}

// New validates the configuration and collaborators.
func New(cfg Config, d Deps) (*Bot, error) {
	return newBot(cfg, d, systemClock{})
}

// newBot is New with the clock to go by.
func newBot(cfg Config, d Deps, clk clock) (*Bot, error) {
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
	if cfg.PostInterval <= 0 {
		cfg.PostInterval = time.Second
	}
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	b := &Bot{
		cfg: cfg, api: d.API, socket: d.Socket, brain: d.Brain, store: d.Store, log: d.Log,
		slots: make(chan struct{}, cfg.MaxInvestigations), threads: map[string]*thread{}, stopped: make(chan struct{}),
		pace: newPacer(cfg.PostInterval, clk), metrics: d.Metrics, clock: clk, askers: newPeople(d.API, cfg.Askers, clk.Now),
	}
	fixes, err := fixflow.New(fixflow.Deps{
		Fixer: d.Fixer, Store: d.Store, Presenter: slackFixes{b}, Auditor: countingAuditor{next: d.Auditor, metrics: d.Metrics}, Log: d.Log,
		Name:      func(u string) string { return "<@" + u + ">" },
		Principal: func(u string) string { return "slack:" + u },
		Now:       clk.Now,
	}, fixflow.Rules{
		Approvers: newPeople(d.API, cfg.Approvers, clk.Now), RequesterCannotApprove: cfg.RequesterCannotApprove,
		TTL: cfg.ProposalTTL, Identities: cfg.Impersonate, Verify: cfg.Verify,
	})
	if err != nil {
		return nil, fmt.Errorf("new bot: %w", err)
	}
	b.fixes = fixes
	return b, nil
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
	// Fixes a stopped process left applying are settled and their threads
	// told, before this process takes decisions on them.
	b.async(func() {
		if n, err := b.fixes.Reconcile(gctx); err != nil {
			b.log.Error("settle interrupted fixes", zap.Error(err))
		} else if n > 0 {
			b.log.Info("settled fixes interrupted by a stop", zap.Int("fixes", n))
		}
	})
	err = g.Wait()
	close(b.stopped)
	b.workers.Wait()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Ready reports whether the bot is connected to Slack, for /readyz.
func (b *Bot) Ready(context.Context) error {
	if !b.connected.Load() {
		return errors.New("not connected to Slack (Socket Mode)")
	}
	return nil
}

// allowedChannel applies the channel allowlist; DMs need AllowDMs (or
// their id in the list).
func (b *Bot) allowedChannel(channel string) bool {
	if slices.Contains(b.cfg.Channels, channel) {
		return true
	}
	if isDM(channel) {
		return b.cfg.AllowDMs
	}
	return len(b.cfg.Channels) == 0
}

// isDM reports whether a channel id is a direct message.
func isDM(channel string) bool { return strings.HasPrefix(channel, "D") }
