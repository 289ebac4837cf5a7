// Command kubertnetes is an AI Kubernetes troubleshooter for Slack and the
// terminal. See the README for its commands and configuration.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	// Ctrl-C is delivered to run, not to ctx: chat uses it to cancel one
	// investigation; every other command treats it as "stop".
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	if limit := softMemoryLimit(os.Args[1:], os.Getenv); limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	err := run(ctx, os.Args[1:], os.Getenv, stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, interrupt: interrupt})
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// stdio are the streams a command reads and writes.
type stdio struct {
	in  io.Reader
	out io.Writer
	err io.Writer
	// interrupt delivers Ctrl-C; nil in tests.
	interrupt <-chan os.Signal
}

const usage = `kubertnetes — an AI Kubernetes troubleshooter

Usage:
  kubertnetes [command]

Commands:
  serve        run the Slack bot (Socket Mode); needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN
  chat         interactive troubleshooting in the terminal
  ask "…"      one question, one answer; prints any proposed fix, applies nothing
  analyze      run the built-in analyzers: [-n NAMESPACE | -A] [-o text|json]
  playground   start a local simulated cluster with the broken demo app
  version      print the version

With no command: serve when the Slack tokens are set, else chat.
Configuration is read from the environment; see the README.
`

// run is the whole program; main only maps its error to an exit code.
// getenv is the only way it reads the environment (os.Getenv in main).
func run(ctx context.Context, args []string, getenv func(string) string, io stdio) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	cmd := ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "" {
		cmd = "chat"
		if cfg.slackConfigured() {
			cmd = "serve"
		} else {
			fmt.Fprintln(io.err, "Slack is not configured (SLACK_BOT_TOKEN and SLACK_APP_TOKEN are unset), so kubertnetes runs as a terminal chat. `kubertnetes help` lists the commands.")
		}
	}
	if cmd != "chat" {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-io.interrupt:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, io)
	case "chat":
		return chat(ctx, cfg, args, io)
	case "ask":
		return ask(ctx, cfg, args, io)
	case "analyze":
		return analyze(ctx, cfg, args, io)
	case "playground":
		return playground(ctx, cfg, args, io)
	case "version", "--version", "-v":
		fmt.Fprintf(io.out, "kubertnetes %s\n", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(io.out, usage)
		return nil
	default:
		return usageErrorf("unknown command %q; `kubertnetes help` lists the commands", cmd)
	}
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode prints err for a person and picks the exit code: 0 ok,
// 2 configuration or usage, 130 interrupted, 1 anything else.
func exitCode(err error, w io.Writer) int {
	if err == nil {
		return 0
	}
	var ce *configError
	var ue *usageError
	switch {
	case errors.Is(err, context.Canceled):
		return 130
	case errors.As(err, &ce):
		fmt.Fprintf(w, "kubertnetes: configuration: %v\n", err)
		return 2
	case errors.As(err, &ue), errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(w, "kubertnetes: %v\n", err)
		return 2
	default:
		fmt.Fprintf(w, "kubertnetes: %v\n", err)
		return 1
	}
}
