package main

import (
	"context"
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
	api := slack.New(cfg.SlackBotToken, slack.OptionAppLevelToken(cfg.SlackAppToken), slack.OptionAPIURL(cfg.SlackAPIURL))
	sock := socketmode.New(api)
	b, err := bot.New(bot.Config{Approvers: cfg.Approvers, Channels: cfg.Channels, ProposalTTL: cfg.ProposalTTL}, bot.Deps{
		API: api, Socket: sock, Brain: tk.brain, Applier: tk.fixer, Store: store.NewMemory(store.Retention{}), Log: log,
	})
	if err != nil {
		return err
	}
	if err := b.Run(ctx); err != nil {
		return fmt.Errorf("slack bot: %w", err)
	}
	log.Info("stopped")
	return nil
}
