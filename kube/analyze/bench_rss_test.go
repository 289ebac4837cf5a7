package analyze

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubertnetes/kubertnetes/kube"
)

// The benchmarks measure peak RSS in a child process (this test binary
// again, running only TestBenchChild), so that building the benchmark
// cluster does not count: the child only reads the cluster, as `kubertnetes
// analyze -A` or a running bot does.
const (
	childKubeconfigEnv = "KUBERTNETES_BENCH_KUBECONFIG"
	childModeEnv       = "KUBERTNETES_BENCH_MODE"
	childNamespacesEnv = "KUBERTNETES_BENCH_NAMESPACES"
)

// benchInvestigations is how many investigations at once the deployment
// is sized for (the bot runs eight).
const benchInvestigations = 8

// childModes are what a child does; each reports its own peak RSS.
var childModes = map[string]func(t *testing.T, r *kube.Reader, namespaces []string){
	// idle: build the Reader and ping: the binary's own footprint.
	"idle": func(t *testing.T, r *kube.Reader, _ []string) {
		if err := r.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
	},
	// sweep: three full sweeps one after another (analyze -A).
	"sweep": func(t *testing.T, r *kube.Reader, _ []string) {
		for range 3 {
			if _, err := Run(t.Context(), r, Scope{}); err != nil {
				t.Fatalf("sweep: %v", err)
			}
		}
	},
	// investigations: benchInvestigations investigations at once, each
	// asking analyze for the whole cluster and then for one namespace,
	// through one Shared as the bot's tools do.
	"investigations": func(t *testing.T, r *kube.Reader, namespaces []string) {
		investigate(t, namespaces, NewShared(r, SharedOptions{}).Run)
	},
	// investigations-unshared: the same, each call its own sweep (before
	// Shared).
	"investigations-unshared": func(t *testing.T, r *kube.Reader, namespaces []string) {
		investigate(t, namespaces, func(ctx context.Context, s Scope) ([]kube.Finding, error) { return Run(ctx, r, s) })
	},
}

// investigate runs benchInvestigations investigations' analyze calls at once.
func investigate(t *testing.T, namespaces []string, run func(context.Context, Scope) ([]kube.Finding, error)) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, benchInvestigations)
	for i := range benchInvestigations {
		wg.Go(func() {
			if _, err := run(t.Context(), Scope{}); err != nil {
				errs[i] = err
				return
			}
			_, errs[i] = run(t.Context(), Scope{Namespace: namespaces[i%len(namespaces)]})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestBenchChild is the child of the benchmarks' RSS measurements; without
// their environment it does nothing.
func TestBenchChild(t *testing.T) {
	kubeconfig := os.Getenv(childKubeconfigEnv)
	if kubeconfig == "" {
		t.Skip("run by the benchmarks only")
	}
	mode := childModes[os.Getenv(childModeEnv)]
	if mode == nil {
		t.Fatalf("unknown %s %q", childModeEnv, os.Getenv(childModeEnv))
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	r, err := kube.NewReader(cfg, kube.ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	mode(t, r, strings.Split(os.Getenv(childNamespacesEnv), ","))
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Printf("%s %s\n", childPeakPrefix, strings.Fields(line)[1]) // the parent reads it
		}
	}
}

// childPeakPrefix starts the line where the child reports its peak RSS
// (VmHWM, KiB). Not the rusage the parent could read: its maxrss counts
// the parent's memory the child shared before exec.
const childPeakPrefix = "kubertnetes-bench-vmhwm-kib"

// childPeakRSS runs TestBenchChild in mode against the benchmark plane and
// returns its peak resident set size in MB. env adds to the child's
// environment (GOMEMLIMIT=…, say).
func childPeakRSS(b *testing.B, mode string, namespaces []string, env ...string) float64 {
	b.Helper()
	cmd := exec.CommandContext(b.Context(), os.Args[0], "-test.run=^TestBenchChild$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		childKubeconfigEnv+"="+plane.Cluster().KubeconfigPath(),
		childModeEnv+"="+mode,
		childNamespacesEnv+"="+strings.Join(namespaces, ","))
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child %s: %v\n%s", mode, err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var kib float64
		if _, err := fmt.Sscanf(sc.Text(), childPeakPrefix+" %g", &kib); err == nil {
			return kib / 1024
		}
	}
	b.Fatalf("child %s reported no peak RSS:\n%s", mode, out)
	return 0
}

// reportChildRSS runs each mode in a child (best of runs, the machine
// being shared) and reports its peak RSS as metric "peak-RSS-MB-<mode>".
func reportChildRSS(b *testing.B, namespaces []string, runs int, modes ...string) {
	b.Helper()
	var line []string
	for _, mode := range modes {
		best := 0.0
		for range runs {
			if mb := childPeakRSS(b, mode, namespaces); best == 0 || mb < best {
				best = mb
			}
		}
		b.ReportMetric(best, "peak-RSS-MB-"+mode)
		line = append(line, fmt.Sprintf("%s %.1f MB", mode, best))
	}
	b.Logf("peak RSS (child process, best of %d): %s", runs, strings.Join(line, ", "))
}
