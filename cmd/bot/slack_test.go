package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"
)

// stalled is a Slack that accepts connections and never answers: the Web
// API holds every request, and the Socket Mode URL it hands out accepts
// the TCP connection but never completes the websocket handshake.
func stalled(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { <-done; _ = c.Close() }()
		}
	}()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/apps.connections.open" {
			_, _ = w.Write([]byte(`{"ok":true,"url":"ws://` + ln.Addr().String() + `/link"}`))
			return
		}
		select { // hold the request until the client gives up
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); _ = ln.Close(); srv.Close() })
	return srv.URL + "/api/"
}

func TestStalledSlackFailsWithinTheTimeout(t *testing.T) {
	cfg := Config{SlackBotToken: "xoxb-1", SlackAppToken: "xapp-1", SlackAPIURL: stalled(t), SlackTimeout: 200 * time.Millisecond}
	api, sock := slackClients(cfg)
	const bound = 5 * time.Second // far above the timeout, far below forever

	start := time.Now()
	if _, err := api.AuthTestContext(context.Background()); err == nil {
		t.Fatal("auth.test against a Slack that never answers succeeded")
	}
	if d := time.Since(start); d > bound {
		t.Errorf("a stalled Web API call took %s, want it to fail within %s", d, bound)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = sock.RunContext(ctx) }()
	start = time.Now()
	timeout := time.After(bound)
	for {
		select {
		case evt := <-sock.Events:
			if evt.Type == socketmode.EventTypeConnectionError {
				return // the dial gave up
			}
		case <-timeout:
			t.Fatalf("the Socket Mode dial to a stalled server did not fail within %s", time.Since(start))
		}
	}
}
