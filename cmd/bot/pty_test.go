package main

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/internal/openaitest"
)

// terminal runs the real binary's chat on a pseudo-terminal, as a person
// would type into it: Ctrl-C reaches it as SIGINT from the terminal.
type terminal struct {
	t    *testing.T
	f    *os.File
	out  *syncBuffer
	done chan error
}

func startTerminal(t *testing.T, settings map[string]string, args ...string) *terminal {
	t.Helper()
	cmd := exec.Command(buildBinary(t), args...)
	cmd.Env = childEnv(settings)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatalf("start on a pty: %v", err)
	}
	term := &terminal{t: t, f: f, out: &syncBuffer{}, done: make(chan error, 1)}
	go func() { _, _ = io.Copy(term.out, f) }()
	go func() { term.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		f.Close()
	})
	return term
}

func (term *terminal) typeLine(s string) {
	if _, err := term.f.Write([]byte(s + "\r")); err != nil {
		term.t.Fatalf("type %q: %v", s, err)
	}
}

// waitFor waits until the screen has shown text n times in all, reading
// the terminal's output as it arrives.
func (term *terminal) waitFor(text string, n int) {
	term.t.Helper()
	if !term.out.await(60*time.Second, func(screen string) bool { return strings.Count(screen, text) >= n }) {
		term.t.Fatalf("the terminal never showed %q (%d×); screen:\n%s", text, n, term.out.String())
	}
}

func TestChatInATerminalCtrlCCancelsThenApplies(t *testing.T) {
	d := loadDemo(t)
	llm := openaitest.New(t)
	llm.Script(openaitest.Reply{Content: "never shown", Delay: time.Minute})
	scriptInvestigation(llm, d.ns)
	term := startTerminal(t, map[string]string{
		"KUBECONFIG": plane.Cluster().KubeconfigPath(), "OPENAI_API_KEY": openaitest.DefaultAPIKey,
		"OPENAI_BASE_URL": llm.BaseURL(), "KUBERTNETES_MODEL": openaitest.DefaultModel,
		"KUBERTNETES_VERIFY_TIMEOUT": "20s", // the applied fix is verified before the next prompt
	}, "chat")
	term.waitFor("kubertnetes chat — cluster", 1)
	term.waitFor("> ", 1)

	term.typeLine("a question the slow model is thinking about")
	kubetest.Eventually(t, 30*time.Second, "the model to receive the question", func() (bool, error) { return llm.RequestCount() > 0, nil })
	if _, err := term.f.Write([]byte{3}); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	term.waitFor("(cancelled)", 1)

	term.typeLine("why is crashloop-app failing in " + d.ns + "?")
	term.waitFor("Apply fix-", 1)
	term.typeLine("y")
	term.waitFor("Applied fix-", 1)
	if got := d.listenPort(t); got != "8080" {
		t.Errorf("after y at the terminal, LISTEN_PORT = %q", got)
	}
	term.typeLine("exit")
	select {
	case err := <-term.done:
		if err != nil {
			t.Errorf("chat exited with %v; screen:\n%s", err, term.out.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("chat did not exit on 'exit'; screen:\n%s", term.out.String())
	}
}
