package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPickRunbook(t *testing.T) {
	rb, err := LoadRunbooks("")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q    string
		want string
	}{
		{"why is my app faulty-app not working?", "app-not-working"},
		{"is anything broken in the cluster? general health please", "cluster-health"},
		{"follow the cluster-health runbook", "cluster-health"},
		{"my service returns errors", "app-not-working"},
	}
	for _, tt := range tests {
		got, ok := rb.Pick(tt.q)
		if !ok || got.Name != tt.want {
			t.Errorf("Pick(%q) = %q, %v; want %q", tt.q, got.Name, ok, tt.want)
		}
	}
	if r, ok := rb.Pick("hello"); ok {
		t.Errorf("Pick(hello) = %q, want no runbook", r.Name)
	}
}

func TestUserRunbooksAddAndReplace(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("disk.md", "---\nname: disk-full\ndescription: nodes running out of disk space\n---\n1. get nodes\n")
	write("health.md", "---\nname: cluster-health\ndescription: our own health check\n---\n1. ours\n")
	rb, err := LoadRunbooks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rb.Names(), ","); got != "app-not-working,cluster-health,disk-full" {
		t.Errorf("names = %s", got)
	}
	if r, _ := rb.Pick("a node is out of disk space"); r.Name != "disk-full" {
		t.Errorf("picked %q for a disk question", r.Name)
	}
	if r, _ := rb.Pick("run cluster-health"); r.Steps != "1. ours" {
		t.Errorf("a user runbook must replace the built-in of the same name; steps = %q", r.Steps)
	}
	write("bad.md", "no front matter")
	if _, err := LoadRunbooks(dir); err == nil || !strings.Contains(err.Error(), "bad.md") {
		t.Errorf("a malformed runbook must be named in the error, got %v", err)
	}
	if _, err := LoadRunbooks(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "KUBERTNETES_RUNBOOKS") {
		t.Errorf("a missing directory must name the setting, got %v", err)
	}
}
