package localcluster

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStartRollsBack makes kube-apiserver fail and checks that Start reports
// its log and leaves no component running.
func TestStartRollsBack(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute) // a cold build included
	defer cancel()
	bin, err := EnsureBinaries(ctx, BuildOptions{Log: testLog{t}})
	if err != nil {
		t.Fatalf("EnsureBinaries: %v", err)
	}
	// A binary dir whose kube-apiserver dies at once; everything else is real.
	broken := t.TempDir()
	for _, name := range []string{binEtcd, binControllerManager, binScheduler, binKwok, kwokAssetsDir} {
		if err := os.Symlink(filepath.Join(bin, name), filepath.Join(broken, name)); err != nil {
			t.Fatal(err)
		}
	}
	script := "#!/bin/sh\necho 'F0101 simulated apiserver failure' >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(broken, binKubeAPIServer), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	state := filepath.Join(t.TempDir(), "state")
	c, err := Start(ctx, Options{BinDir: broken, Dir: state})
	if err == nil {
		_ = c.Stop()
		t.Fatal("Start with a failing kube-apiserver: got no error")
	}
	t.Logf("Start error: %v", err)
	for _, want := range []string{"kube-apiserver exited", "F0101 simulated apiserver failure"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start error lacks %q:\n%v", want, err)
		}
	}
	// etcd had started: it must be gone. Find any process still using the state dir.
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		cmdline, err := os.ReadFile(p)
		if err == nil && bytes.Contains(cmdline, []byte(state)) {
			t.Errorf("%s still runs: %q", filepath.Dir(p), bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
		}
	}
	// A caller's Dir is kept, logs included.
	if _, err := os.Stat(filepath.Join(state, "logs", "kube-apiserver.log")); err != nil {
		t.Errorf("kube-apiserver log not kept: %v", err)
	}
}
