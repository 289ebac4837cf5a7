package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHealthReadyAndMetrics(t *testing.T) {
	m := New()
	var slackUp atomic.Bool
	s, err := NewServer("127.0.0.1:0", m, map[string]Check{
		"slack": func(context.Context) error {
			if !slackUp.Load() {
				return errors.New("socket not connected")
			}
			return nil
		},
		"cluster": func(context.Context) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + s.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, body := get("/readyz"); code != 503 || !strings.Contains(body, "slack: not ready: socket not connected") || !strings.Contains(body, "cluster: ok") {
		t.Errorf("/readyz before Slack connects = %d %q", code, body)
	}
	slackUp.Store(true)
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz when ready = %d %q", code, body)
	}
	m.ToolCalls.WithLabelValues("logs", "ok").Inc()
	m.LLMTokens.WithLabelValues("prompt").Add(1234)
	_, body := get("/metrics")
	for _, want := range []string{`kubertnetes_tool_calls_total{outcome="ok",tool="logs"} 1`, `kubertnetes_llm_tokens_total{kind="prompt"} 1234`, "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
