package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/bot"
	"github.com/kubertnetes/kubertnetes/store"
)

// serve runs the Slack bot until ctx ends.
func serve(ctx context.Context, cfg Config, io stdio) error {
	if err := cfg.requireSlack(); err != nil {
		return err
	}
	log := newLogger(io.err, cfg.level)
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
	cl, err := loadCluster(cfg)
	if err != nil {
		return err
	}
	tk, err := newToolkit(ctx, cfg, cl)
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
	api := slack.New(cfg.SlackBotToken, slack.OptionAppLevelToken(cfg.SlackAppToken), slack.OptionAPIURL(cfg.SlackAPIURL))
	sock := socketmode.New(api)
	audit, err := tk.auditor(log)
	if err != nil {
		return err
	}
	if cfg.impersonate != nil {
		log.Info("fixes are applied as the approver's Kubernetes identity (KUBERTNETES_IMPERSONATE)", zap.Int("mapped_approvers", len(cfg.impersonate)))
	}
	b, err := bot.New(bot.Config{
		Approvers: cfg.Approvers, RequesterCannotApprove: cfg.RequesterCannotApprove, Channels: cfg.Channels,
		ProposalTTL: cfg.ProposalTTL, Price: cfg.price(), Impersonate: cfg.impersonate, Verify: cfg.verifyOptions(),
	}, bot.Deps{API: api, Socket: sock, Brain: tk.brain, Applier: tk.fixer, Verifier: tk.fixer, Auditor: audit, Store: st, Log: log})
	if err != nil {
		return err
	}
	if err := b.Run(ctx); err != nil {
		return fmt.Errorf("slack bot: %w", err)
	}
	log.Info("stopped")
	return nil
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
