package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// get fetches url and returns the status code and body.
func get(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	code, body, err := get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return code, body
}

// waitGet fetches url until ok holds for the answer, and returns it.
func waitGet(t *testing.T, url string, ok func(code int, body string) bool) (int, string) {
	t.Helper()
	var code int
	var body string
	kubetest.Eventually(t, 10*time.Second, "GET "+url, func() (bool, error) {
		var err error
		if code, body, err = get(url); err != nil {
			return false, err
		}
		if !ok(code, body) {
			return false, fmt.Errorf("%d %q", code, body)
		}
		return true, nil
	})
	return code, body
}

// serve answers the kubelet's probes and Prometheus while it works.
func TestServeHealthReadinessAndMetrics(t *testing.T) {
	d := loadDemo(t)
	addr := freeAddr(t)
	e := startServe(t, map[string]string{"KUBERTNETES_HTTP_ADDR": addr})
	scriptInvestigation(e.llm, d.ns)
	base := "http://" + addr

	if code, body := httpGet(t, base+"/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	// Slack's "connected" arrives just after the socket opens.
	code, body := waitGet(t, base+"/readyz", func(code int, _ string) bool { return code == 200 })
	if code != 200 || !strings.Contains(body, "slack: ok") || !strings.Contains(body, "cluster: ok") {
		t.Errorf("/readyz = %d %q, want ready with Slack connected and the cluster answering", code, body)
	}

	root := e.slack.Mention(channel, requester, "why is crashloop-app failing in "+d.ns+"?")
	e.waitText(t, root, `LISTEN_PORT is "eighty"`)
	// The answer is posted just before the investigation's counters close.
	_, metrics := waitGet(t, base+"/metrics", func(_ int, body string) bool {
		return strings.Contains(body, "kubertnetes_investigations_total")
	})
	for _, want := range []string{
		`kubertnetes_investigations_total{outcome="answered"} 1`,
		`kubertnetes_tool_calls_total{outcome="ok",tool="analyze"} 1`,
		`kubertnetes_tool_calls_total{outcome="ok",tool="propose_fix"} 1`,
		`kubertnetes_slack_events_acked_total{type="events_api"}`,
		`kubertnetes_llm_tokens_total{kind="prompt"}`,
		`kubertnetes_approvals_total{outcome="FixProposed"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, `kubertnetes_llm_tokens_total{kind="prompt"} 0`) {
		t.Error("no prompt tokens counted after an investigation")
	}
}
