package main

import (
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/openaitest"
)

// In the terminal, a fix that does not help is not verified and the
// rollback is offered; "y" restores the previous value. Every step is audited.
func TestChatOffersRollbackWhenNotVerified(t *testing.T) {
	d := loadDemo(t)
	llm := openaitest.New(t)
	scriptPort(llm, d.ns, "eighty-one")
	settings := map[string]string{"KUBECONFIG": plane.Cluster().KubeconfigPath(), "OPENAI_API_KEY": openaitest.DefaultAPIKey,
		"OPENAI_BASE_URL": llm.BaseURL(), "KUBERTNETES_MODEL": openaitest.DefaultModel, "KUBERTNETES_VERIFY_TIMEOUT": "6s"}
	out, err := runCLI(t, settings, "fix crashloop-app in "+d.ns+"\ny\ny\nexit\n", "chat")
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, out)
	}
	for _, want := range []string{"Applied fix-", "not verified after", "CrashLoopBackOff", "Rollback proposal fix-", "+          value: eighty\n", "Apply rollback? [y/N] ", "No rollback offered: no automatic rollback: this fix was itself a rollback"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	if got := d.listenPort(t); got != "eighty" {
		t.Errorf("after the rollback LISTEN_PORT = %q, want eighty", got)
	}
	evs := d.auditEvents(t, "FixProposed", "FixApproved", "FixApplied", "FixNotVerified")
	if m := evs["FixApplied"].Message; !strings.Contains(m, "asked by terminal") || !strings.Contains(m, "applied as kubertnetes' fixer identity") {
		t.Errorf("FixApplied Event says %q", m)
	}
}
