package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/openaitest"
)

// runCLI runs kubertnetes with args and the given settings, stdin as its
// input, and returns what it printed.
func runCLI(t *testing.T, settings map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out syncBuffer
	err := run(context.Background(), args, env(settings), stdio{in: strings.NewReader(stdin), out: &out, err: &out})
	return out.String(), err
}

func TestAnalyzeJSONNamesTheCrashLoop(t *testing.T) {
	d := loadDemo(t)
	settings := map[string]string{"KUBECONFIG": plane.Cluster().KubeconfigPath()}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"analyze", "-n", d.ns, "-o", "json"}, env(settings), stdio{out: &out, err: &errOut}); err != nil {
		t.Fatalf("analyze: %v\n%s", err, errOut.String())
	}
	var findings []map[string]any
	if err := json.Unmarshal(out.Bytes(), &findings); err != nil {
		t.Fatalf("output is not a JSON array: %v\n%s", err, out.String())
	}
	var hit map[string]any
	for _, f := range findings {
		if f["reason"] == "CrashLoopBackOff" && f["owner"] == "deployment/crashloop-app" {
			hit = f
		}
	}
	if hit == nil {
		t.Fatalf("no CrashLoopBackOff finding owned by deployment/crashloop-app:\n%s", out.String())
	}
	for _, field := range []string{"kind", "namespace", "name", "severity", "reason", "message", "evidence", "docs", "fix"} {
		if _, ok := hit[field]; !ok {
			t.Errorf("finding lacks %q: %v", field, hit)
		}
	}
	if hit["severity"] != "critical" || hit["namespace"] != d.ns || hit["kind"] != "Pod" {
		t.Errorf("finding = %v", hit)
	}
	if strings.Contains(out.String(), "kwok.x-k8s.io") {
		t.Errorf("a simulation marker reached the output:\n%s", out.String())
	}
}

func TestAskOfflineExplainsAndDiagnoses(t *testing.T) {
	d := loadDemo(t)
	settings := map[string]string{"KUBECONFIG": plane.Cluster().KubeconfigPath()}
	out, err := runCLI(t, settings, "", "ask", "why is crashloop-app failing in namespace "+d.ns+"?")
	if err != nil {
		t.Fatalf("ask: %v\n%s", err, out)
	}
	for _, want := range []string{"CrashLoopBackOff", `FATAL: LISTEN_PORT="eighty"`, "No model is configured", "OPENAI_API_KEY"} {
		if !strings.Contains(out, want) {
			t.Errorf("ask output lacks %q:\n%s", want, out)
		}
	}
}

func TestAskWithModelProposesButAppliesNothing(t *testing.T) {
	d := loadDemo(t)
	llm := openaitest.New(t)
	scriptInvestigation(llm, d.ns)
	settings := map[string]string{"KUBECONFIG": plane.Cluster().KubeconfigPath(), "OPENAI_API_KEY": openaitest.DefaultAPIKey,
		"OPENAI_BASE_URL": llm.BaseURL(), "KUBERTNETES_MODEL": openaitest.DefaultModel,
		"KUBERTNETES_PRICES": openaitest.DefaultModel + "=0.15/0.60"}
	// The question arrives on a pipe.
	out, err := runCLI(t, settings, "why is crashloop-app failing in "+d.ns+"?\n", "ask")
	if err != nil {
		t.Fatalf("ask: %v\n%s", err, out)
	}
	for _, want := range []string{"Proposed fix", `+          value: "8080"`, "NOT applied", `LISTEN_PORT is "eighty"`, "completion tokens, ≈ $0.00"} {
		if !strings.Contains(out, want) {
			t.Errorf("ask output lacks %q:\n%s", want, out)
		}
	}
	if got := d.listenPort(t); got != "eighty" {
		t.Errorf("ask changed the cluster: LISTEN_PORT = %q", got)
	}
}

func TestChatOverAPipeAppliesAfterYes(t *testing.T) {
	d := loadDemo(t)
	llm := openaitest.New(t)
	scriptInvestigation(llm, d.ns)
	llm.Script(openaitest.Text("It was applied; the pods will restart with LISTEN_PORT=8080."))
	settings := map[string]string{"KUBECONFIG": plane.Cluster().KubeconfigPath(), "OPENAI_API_KEY": openaitest.DefaultAPIKey,
		"OPENAI_BASE_URL": llm.BaseURL(), "KUBERTNETES_MODEL": openaitest.DefaultModel, "KUBERTNETES_VERIFY_TIMEOUT": "20s"}
	out, err := runCLI(t, settings, "why is crashloop-app failing in "+d.ns+"?\ny\nis it fixed now?\nexit\n", "chat")
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, out)
	}
	for _, want := range []string{"kubertnetes chat — cluster", "brain: model " + openaitest.DefaultModel, "Apply fix-", "Applied fix-", "verified ✅", "It was applied"} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	if got := d.listenPort(t); got != "8080" {
		t.Errorf("after y, LISTEN_PORT = %q, want 8080", got)
	}
	// The follow-up carried the whole conversation, the approval included.
	last := llm.LastRequest().AllText()
	if !strings.Contains(last, "APPLIED") || !strings.Contains(last, "why is crashloop-app failing") {
		t.Errorf("the follow-up lost the conversation:\n%s", last)
	}
}

func TestChatAnswerNoKeepsTheCluster(t *testing.T) {
	d := loadDemo(t)
	llm := openaitest.New(t)
	scriptInvestigation(llm, d.ns)
	settings := map[string]string{"KUBECONFIG": plane.Cluster().KubeconfigPath(), "OPENAI_API_KEY": openaitest.DefaultAPIKey,
		"OPENAI_BASE_URL": llm.BaseURL(), "KUBERTNETES_MODEL": openaitest.DefaultModel}
	out, err := runCLI(t, settings, "why is crashloop-app failing in "+d.ns+"?\n\n", "chat")
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Not applied.") {
		t.Errorf("chat output lacks the refusal:\n%s", out)
	}
	if got := d.listenPort(t); got != "eighty" {
		t.Errorf("an empty answer applied the fix: LISTEN_PORT = %q", got)
	}
}
