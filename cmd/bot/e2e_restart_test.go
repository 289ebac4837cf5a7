package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/internal/openaitest"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
	"github.com/kubertnetes/kubertnetes/store"
)

// built is the kubertnetes binary, built once for the tests that run it.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// buildBinary builds kubertnetes as a user would (once per test run).
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "kubertnetes-bin-")
		if built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "kubertnetes")
		start := time.Now()
		// go test puts its own go first in PATH.
		out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
		t.Logf("built %s in %v", built.bin, time.Since(start).Round(time.Millisecond))
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// process is `kubertnetes serve` running as a child process.
type process struct {
	cmd    *exec.Cmd
	logs   *syncBuffer
	done   chan error // cmd.Wait's result
	exited bool       // done was received; only the test goroutine uses it
}

// startProcess runs bin serve with exactly the given settings (none of the
// caller's own kubertnetes or Slack variables leak in).
func startProcess(t *testing.T, bin string, settings map[string]string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, "serve"), logs: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = childEnv(settings), p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// kill9 kills the process with SIGKILL: no cleanup of any kind runs.
func (p *process) kill9(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	err := <-p.done
	p.exited = true
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("after kill -9 the process ended with %v", err)
	}
}

// stop ends the process as Kubernetes would (SIGTERM) and expects a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if p.exited {
		return
	}
	p.exited = true
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM; logs:\n%s", err, p.logs)
		}
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("serve did not stop within 15s of SIGTERM; logs:\n%s", p.logs)
	}
}

// The process dies (kill -9) while the model is thinking, after it posted a
// proposal. Restarted with the same state file, it still knows the thread
// (a follow-up carries the earlier messages to the model) and the
// proposal's Approve button still applies the fix on the cluster.
func TestKill9MidInvestigationThenRestart(t *testing.T) {
	bin := buildBinary(t)
	d := loadDemo(t)
	e := &e2e{
		slack: slacktest.New(t, slacktest.BotToken("xoxb-e2e-token"), slacktest.AppToken("xapp-e2e-token")),
		llm:   openaitest.New(t),
	}
	settings := map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-e2e-token", "SLACK_APP_TOKEN": "xapp-e2e-token", "SLACK_API_URL": e.slack.APIURL(),
		"OPENAI_API_KEY": openaitest.DefaultAPIKey, "OPENAI_BASE_URL": e.llm.BaseURL(), "KUBERTNETES_MODEL": openaitest.DefaultModel,
		"KUBECONFIG": plane.Cluster().KubeconfigPath(), "KUBERTNETES_APPROVERS": approver,
		"KUBERTNETES_STATE": filepath.Join(t.TempDir(), "state.db"), "KUBERTNETES_LOG_LEVEL": "debug",
		"KUBERTNETES_HTTP_ADDR": "127.0.0.1:0",
	}
	replies := investigation(d.ns)
	// The model is still thinking about its conclusion when the process dies.
	e.llm.Script(replies[0], replies[1], openaitest.Reply{Delay: 10 * time.Minute, Content: "never heard"})
	first := startProcess(t, bin, settings)
	e.logs = first.logs
	e.slack.WaitConnected(t, 1)

	question := "why is crashloop-app failing in namespace " + d.ns + "?"
	root := e.slack.Mention(channel, requester, question)
	prop := e.proposal(t, root)
	e.slack.WaitUntil(t, 30*time.Second, func() bool { return e.llm.RequestCount() >= 3 }, "the model to be asked for its conclusion")
	first.kill9(t)
	if got := d.listenPort(t); got != "eighty" {
		t.Fatalf("LISTEN_PORT = %q before any approval", got)
	}

	second := startProcess(t, bin, settings)
	e.logs = second.logs
	e.slack.WaitUntil(t, 30*time.Second, func() bool { return e.slack.Accepted() >= 2 && e.slack.Connections() == 1 }, "the restarted process to connect")
	e.llm.Script(openaitest.Text("The earlier investigation was cut short; the LISTEN_PORT fix is still waiting for approval."))
	e.slack.ReplyInThread(channel, root, requester, "did you finish?")
	e.waitText(t, root, "still waiting for approval")

	sent := e.llm.LastRequest().AllText()
	for _, want := range []string{question, `FATAL: LISTEN_PORT="eighty" is not a port number`, "interrupted", "did you finish?"} {
		if !strings.Contains(sent, want) {
			t.Errorf("the follow-up's model request lacks %q; it must carry the thread's earlier messages:\n%s", want, sent)
		}
	}
	e.waitText(t, root, "Interrupted: kubertnetes restarted")

	e.slack.ClickButton(channel, prop.TS, approver, "kubertnetes_approve")
	e.waitText(t, root, "Applied by <@"+approver+">")
	if got := d.listenPort(t); got != "8080" {
		t.Errorf("after approval in the restarted process LISTEN_PORT = %q, want 8080", got)
	}
	second.stop(t)
}

// A second serve on the same state file is refused at once, with an error
// that says what to do, instead of sharing (and corrupting) the file.
func TestSecondServeOnTheSameStateIsRefused(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	held, err := store.OpenBolt(state, store.Retention{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	settings := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "KUBERTNETES_STATE": state}
	err = run(context.Background(), []string{"serve"}, env(settings), stdio{in: strings.NewReader(""), out: io.Discard, err: io.Discard})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second serve: err = %v, want ErrLocked", err)
	}
	for _, want := range []string{state, "locked by another process", "KUBERTNETES_STATE"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
