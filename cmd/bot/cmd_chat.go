package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"go.uber.org/zap/zapcore"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/safe"
)

// chat is the interactive terminal front end: questions in, progress,
// findings and proposals out; a proposal is applied only after "y".
func chat(ctx context.Context, cfg Config, args []string, std stdio) error {
	std.out = terminalSafe(std.out)
	if len(args) > 0 {
		return usageErrorf("chat takes no arguments; type your questions at its prompt")
	}
	log := newLogger(std.err, cfg.logLevel(zapcore.WarnLevel))
	cl, tk, err := connect(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(std.err, "No cluster reachable (%v).\nStarting the local playground cluster with the demo app instead.\n", err)
		pg, perr := startPlayground(ctx, cfg, std.err)
		if perr != nil {
			return perr
		}
		defer func() { _ = pg.Stop() }()
		cl = cluster{config: pg.RESTConfig(), context: "playground (" + pg.KubeconfigPath() + ")"}
		if tk, err = newToolkit(ctx, cfg, cl, log); err != nil {
			return err
		}
	}
	lines := readLines(ctx, std.in)
	fmt.Fprintf(std.out, "kubertnetes chat — cluster %s (%s) — brain: %s\nAsk a question. Ctrl-C cancels an investigation; Ctrl-D or \"exit\" quits.\n", cl.context, tk.reader.Host(), tk.brain.Name())
	conv := &agent.Conversation{}
	p := &printer{w: std.out, log: log, price: cfg.price()}
	audit, err := tk.auditor(log)
	if err != nil {
		return err
	}
	fixes, err := newTerminalFixes(std, lines, conv, tk.fixer, audit, cfg.verifyOptions())
	if err != nil {
		return err
	}
	for {
		fmt.Fprint(std.out, "\n> ")
		var q string
		select {
		case <-ctx.Done():
			return nil
		case <-std.interrupt:
			fmt.Fprintln(std.out)
			return nil
		case l, ok := <-lines:
			if !ok {
				fmt.Fprintln(std.out)
				return nil
			}
			q = strings.TrimSpace(l)
		}
		if q == "" {
			continue
		}
		if q == "exit" || q == "quit" {
			return nil
		}
		qctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			// A panic on hostile input fails this question, not the chat.
			done <- safe.Call(log, "investigation", func() error { return tk.brain.Ask(qctx, conv, q, p.event) })
		}()
		select {
		case err = <-done:
		case <-std.interrupt:
			cancel()
			err = <-done
			fmt.Fprintln(std.out, "\n(cancelled)")
		}
		cancel()
		if err != nil && ctx.Err() == nil && qctx.Err() == nil {
			_ = p.fail(err) // shown already if the brain emitted it
		}
		for _, prop := range p.take() {
			fixes.propose(ctx, prop)
		}
	}
}

// confirm asks a yes/no question on the next input line; anything but
// y or yes (or no input) is no.
func confirm(ctx context.Context, std stdio, lines <-chan string, prompt string) bool {
	fmt.Fprint(std.out, prompt)
	select {
	case <-ctx.Done():
		return false
	case <-std.interrupt:
		return false
	case l, ok := <-lines:
		if !ok {
			return false
		}
		a := strings.ToLower(strings.TrimSpace(l))
		return a == "y" || a == "yes"
	}
}

// readLines feeds input lines to a channel, closed at end of input.
func readLines(ctx context.Context, r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}
