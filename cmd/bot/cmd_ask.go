package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap/zapcore"
	"golang.org/x/term"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/safe"
)

// ask answers one question and prints any proposal; it applies nothing.
func ask(ctx context.Context, cfg Config, args []string, std stdio) error {
	std.out = terminalSafe(std.out)
	question := strings.TrimSpace(strings.Join(args, " "))
	if question == "" && !isTerminal(std.in) {
		b, err := io.ReadAll(io.LimitReader(std.in, 64<<10))
		if err != nil {
			return fmt.Errorf("read the question from stdin: %w", err)
		}
		question = strings.TrimSpace(string(b))
	}
	if question == "" {
		return usageErrorf("ask needs a question: kubertnetes ask \"why is crashloop-app failing?\" (or pipe it on stdin)")
	}
	log := newLogger(std.err, cfg.logLevel(zapcore.WarnLevel))
	_, tk, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	p := &printer{w: std.out, log: log, price: cfg.price()}
	err = safe.Call(log, "investigation", func() error { return tk.brain.Ask(ctx, &agent.Conversation{}, question, p.event) })
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return p.fail(err)
	}
	if props := p.take(); len(props) > 0 {
		fmt.Fprintf(std.out, "\n%d fix(es) proposed and NOT applied: `ask` never changes the cluster. Use `kubertnetes chat` or Slack to approve one.\n", len(props))
	}
	return nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
