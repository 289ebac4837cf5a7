package main

import (
	"context"
	"io"
	"os"

	"github.com/sashabaranov/go-openai"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// newLogger logs to w: human-readable on a terminal, JSON otherwise.
func newLogger(w io.Writer, level zapcore.Level) *zap.Logger {
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		encCfg.EncodeLevel = zapcore.CapitalColorLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	} else {
		enc = zapcore.NewJSONEncoder(encCfg)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), level))
}

// readerOptions are the Reader's for any cluster. The playground's
// simulator is always hidden: its marks are machinery, not the user's
// cluster, and `kubertnetes playground` serves other processes through a
// kubeconfig like any cluster's. A real cluster has none of them.
func readerOptions() kube.ReaderOptions {
	return kube.ReaderOptions{Hidden: simulator()}
}

// simulator is what the playground's simulator adds to a cluster.
func simulator() kube.Hidden {
	return kube.Hidden{APIGroups: []string{localcluster.SimulatorAPIGroup}, KeyPrefixes: []string{localcluster.SimulatorKeyPrefix}}
}

// newBrain picks the LLM loop when a model is configured, else the offline brain.
func newBrain(cfg Config, r *kube.Reader, previewer agent.Previewer, log *zap.Logger) (agent.Brain, error) {
	if !cfg.modelConfigured() {
		return agent.NewOffline(r, previewer), nil
	}
	var oc openai.ClientConfig
	if cfg.OpenAIAPIType == "azure" {
		oc = openai.DefaultAzureConfig(cfg.OpenAIAPIKey, cfg.OpenAIBaseURL)
		oc.APIVersion = cfg.AzureVersion
	} else {
		oc = openai.DefaultConfig(cfg.OpenAIAPIKey)
		if cfg.OpenAIBaseURL != "" {
			oc.BaseURL = cfg.OpenAIBaseURL
		}
	}
	runbooks, err := agent.LoadRunbooks(cfg.Runbooks)
	if err != nil {
		return nil, configErrorf("%v", err)
	}
	return agent.NewLoop(openai.NewClientWithConfig(oc), r, previewer, agent.LoopOptions{
		Model: cfg.Model, MaxSteps: cfg.MaxSteps, ToolTokens: cfg.ToolTokens, TurnTokens: cfg.TurnTokens,
		ThreadTokens: cfg.ThreadTokens, Timeout: cfg.Timeout, Runbooks: runbooks, Log: log,
	})
}

// toolkit is what every front end needs: a reader, a fixer and a brain.
type toolkit struct {
	reader  *kube.Reader
	fixer   *fixer.Fixer
	brain   agent.Brain
	cluster cluster
}

// connect finds the configured cluster and builds the toolkit over it.
func connect(ctx context.Context, cfg Config, log *zap.Logger) (cluster, toolkit, error) {
	cl, err := loadCluster(cfg)
	if err != nil {
		return cluster{}, toolkit{}, err
	}
	tk, err := newToolkit(ctx, cfg, cl, log)
	return cl, tk, err
}

func newToolkit(ctx context.Context, cfg Config, cl cluster, log *zap.Logger) (toolkit, error) {
	r, err := kube.NewReader(cl.config, readerOptions())
	if err != nil {
		return toolkit{}, err
	}
	if err := r.Ping(ctx); err != nil {
		return toolkit{}, err
	}
	f, err := fixer.New(cl.config, fixer.Options{Policy: cfg.fixPolicy(), Hidden: simulator()})
	if err != nil {
		return toolkit{}, err
	}
	b, err := newBrain(cfg, r, f, log)
	if err != nil {
		return toolkit{}, err
	}
	return toolkit{reader: r, fixer: f, brain: b, cluster: cl}, nil
}

// auditor records each step of a fix as an Event on its target, written
// with the fixer's identity (the kubeconfig's), and as a log line.
func (tk toolkit) auditor(log *zap.Logger) (fixer.Auditor, error) {
	a, err := fixer.NewEventAuditor(tk.cluster.config, log)
	if err != nil {
		return nil, err
	}
	return a, nil
}
