package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubeconfig writes a kubeconfig whose current context is current, one
// context (and cluster) per name, each cluster's server named after it.
func kubeconfig(t *testing.T, path, current string, names ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Config\ncurrent-context: " + current + "\nclusters:\n")
	for _, n := range names {
		b.WriteString("- name: " + n + "\n  cluster: {server: https://" + n + ".example:6443}\n")
	}
	b.WriteString("contexts:\n")
	for _, n := range names {
		b.WriteString("- name: " + n + "\n  context: {cluster: " + n + ", user: u}\n")
	}
	b.WriteString("users:\n- name: u\n  user: {token: t}\n")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The cluster is found from the settings alone, as kubectl would find it
// with them; the process's own KUBECONFIG and HOME play no part.
func TestLoadClusterFromTheSettingsOnly(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	kubeconfig(t, filepath.Join(home, ".kube", "config"), "home", "home")
	kubeconfig(t, filepath.Join(dir, "a"), "alpha", "alpha", "beta")
	kubeconfig(t, filepath.Join(dir, "b"), "gamma", "gamma")
	if err := os.WriteFile(filepath.Join(dir, "broken"), []byte("clusters: {"), 0o600); err != nil {
		t.Fatal(err)
	}
	kubeconfig(t, filepath.Join(dir, "process"), "process", "process")
	t.Setenv("KUBECONFIG", filepath.Join(dir, "process"))
	t.Setenv("HOME", filepath.Join(dir, "process-home"))

	type clusterCase struct {
		name     string
		settings map[string]string
		context  string
		host     string
		err      string // "" for success
	}
	// A pod's service address; the pod's token only if this test runs in one.
	inPod := clusterCase{name: "a pod's service address", settings: map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}, err: "no cluster configured"}
	if _, err := os.Stat(serviceAccountToken); err == nil {
		inPod.context, inPod.host, inPod.err = "in-cluster", "https://10.0.0.1:443", ""
	}
	tests := []clusterCase{
		{name: "home's kubeconfig", settings: map[string]string{"HOME": home}, context: "home", host: "https://home.example:6443"},
		{name: "KUBECONFIG over home", settings: map[string]string{"HOME": home, "KUBECONFIG": filepath.Join(dir, "a")}, context: "alpha", host: "https://alpha.example:6443"},
		{name: "a list, the first current context wins", settings: map[string]string{"KUBECONFIG": filepath.Join(dir, "a") + string(os.PathListSeparator) + filepath.Join(dir, "b")}, context: "alpha", host: "https://alpha.example:6443"},
		{name: "another context", settings: map[string]string{"KUBECONFIG": filepath.Join(dir, "a"), "KUBERTNETES_CONTEXT": "beta"}, context: "beta", host: "https://beta.example:6443"},
		{name: "no file", settings: map[string]string{"KUBECONFIG": filepath.Join(dir, "missing")}, err: "no cluster configured"},
		{name: "nothing at all", settings: nil, err: "no cluster configured"},
		inPod,
		{name: "a broken file", settings: map[string]string{"KUBECONFIG": filepath.Join(dir, "broken")}, err: "cluster configuration: "},
		{name: "an unknown context", settings: map[string]string{"HOME": home, "KUBERTNETES_CONTEXT": "nope"}, err: `context "nope" does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(env(tt.settings))
			if err != nil {
				t.Fatal(err)
			}
			cl, err := loadCluster(cfg)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("loadCluster: err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cl.context != tt.context || cl.config.Host != tt.host {
				t.Errorf("cluster %s at %s, want %s at %s", cl.context, cl.config.Host, tt.context, tt.host)
			}
		})
	}
}

// A Slack API that accepts the request and never answers fails the call
// after the client's timeout; nothing waits for ever.
func TestSlackCallsTimeOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	api := slackClient(Config{SlackBotToken: "xoxb-test", SlackAPIURL: srv.URL + "/"}, 200*time.Millisecond)
	done := make(chan error, 1)
	go func() {
		_, err := api.AuthTest() // no context: only the client's timeout can end it
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "Timeout") {
			t.Fatalf("AuthTest err = %v, want a client timeout", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("still waiting for a Slack API that never answers")
	}
}
