package main

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/sync/errgroup"

	"github.com/kubertnetes/kubertnetes/bot"
	"github.com/kubertnetes/kubertnetes/metrics"
	"github.com/kubertnetes/kubertnetes/store"
)

// serve runs the Slack bot until ctx ends.
func serve(ctx context.Context, cfg Config, io stdio) error {
	if err := cfg.requireSlack(); err != nil {
		return err
	}
	log := newLogger(io.err, cfg.logLevel(zapcore.InfoLevel))
	defer func() { _ = log.Sync() }()
	st, err := openStore(cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Warn("close state", zap.Error(err))
		}
	}()
	cl, tk, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	log.Info("starting kubertnetes", zap.String("version", version), zap.String("cluster", cl.context), zap.String("brain", tk.brain.Name()))
	if len(cfg.Approvers) == 0 {
		log.Warn("KUBERTNETES_APPROVERS is empty: fixes will be proposed but nobody can approve them")
	}
	if cfg.Prices != "" && cfg.modelConfigured() && cfg.price() == (bot.Price{}) {
		log.Warn("KUBERTNETES_PRICES has no entry for the model; answers show tokens without a cost", zap.String("model", cfg.Model))
	}
	m := metrics.New()
	var b *bot.Bot
	health, err := healthServer(cfg, m, func(ctx context.Context) error { return b.Ready(ctx) }, tk)
	if err != nil {
		return configErrorf("%v", err)
	}
	api, sock := slackClients(cfg)
	audit, err := tk.auditor(log)
	if err != nil {
		return err
	}
	if cfg.impersonate != nil {
		log.Info("fixes are applied as the approver's Kubernetes identity (KUBERTNETES_IMPERSONATE)", zap.Int("mapped_approvers", len(cfg.impersonate)))
	}
	b, err = bot.New(bot.Config{
		Approvers: cfg.Approvers, RequesterCannotApprove: cfg.RequesterCannotApprove, Channels: cfg.Channels,
		Askers: cfg.Askers, AllowDMs: cfg.AllowDMs, DMApprovals: cfg.DMApprovals,
		ProposalTTL: cfg.ProposalTTL, Price: cfg.price(), Impersonate: cfg.impersonate, Verify: cfg.verifyOptions(),
	}, bot.Deps{API: api, Socket: sock, Brain: tk.brain, Fixer: tk.fixer, Auditor: audit, Store: st, Log: log, Metrics: m})
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	if health != nil {
		log.Info("serving /healthz, /readyz and /metrics", zap.String("addr", health.Addr()))
		g.Go(func() error { return health.Run(gctx) })
	}
	g.Go(func() error {
		if err := b.Run(gctx); err != nil {
			return fmt.Errorf("slack bot: %w", err)
		}
		return context.Canceled // the bot stopped: stop the health server too
	})
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info("stopped")
	return nil
}

// healthServer listens for /healthz, /readyz and /metrics unless
// KUBERTNETES_HTTP_ADDR is "off". Readiness needs Slack connected and the
// cluster answering.
func healthServer(cfg Config, m *metrics.Metrics, slackReady metrics.Check, tk toolkit) (*metrics.Server, error) {
	if cfg.HTTPAddr == "off" {
		return nil, nil
	}
	return metrics.NewServer(cfg.HTTPAddr, m, map[string]metrics.Check{"slack": slackReady, "cluster": tk.reader.Ping})
}

// closingStore is a store the process must close on the way out.
type closingStore interface {
	store.Store
	Close() error
}

// openStore opens serve's state: the bbolt file at statePath, or memory.
func openStore(cfg Config, log *zap.Logger) (closingStore, error) {
	path, err := cfg.statePath()
	if err != nil {
		return nil, err
	}
	r := store.Retention{Conversations: cfg.StateRetention, Proposals: cfg.StateRetention}
	if path == "" {
		log.Warn("KUBERTNETES_STATE=memory: conversations and pending proposals are lost on restart")
		return store.NewMemory(r), nil
	}
	st, err := store.OpenBolt(path, r)
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, fmt.Errorf("%w; stop the other process or point KUBERTNETES_STATE at another file", err)
		}
		return nil, fmt.Errorf("%w; set KUBERTNETES_STATE to a writable file path (or memory)", err)
	}
	log.Info("state", zap.String("file", path), zap.Duration("retention", cfg.StateRetention))
	return st, nil
}
