package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
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

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
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
	deadline := time.Now().Add(10 * time.Second)
	code, body := httpGet(t, base+"/readyz")
	for code != 200 && time.Now().Before(deadline) { // Slack's "connected" arrives just after the socket opens
		time.Sleep(50 * time.Millisecond)
		code, body = httpGet(t, base+"/readyz")
	}
	if code != 200 || !strings.Contains(body, "slack: ok") || !strings.Contains(body, "cluster: ok") {
		t.Errorf("/readyz = %d %q, want ready with Slack connected and the cluster answering", code, body)
	}

	root := e.slack.Mention(channel, requester, "why is crashloop-app failing in "+d.ns+"?")
	e.waitText(t, root, `LISTEN_PORT is "eighty"`)
	// The answer is posted just before the investigation's counters close.
	_, metrics := httpGet(t, base+"/metrics")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(metrics, "kubertnetes_investigations_total") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		_, metrics = httpGet(t, base+"/metrics")
	}
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
