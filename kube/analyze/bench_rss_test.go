package analyze

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

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
	anon := sampleAnon()
	mode(t, r, strings.Split(os.Getenv(childNamespacesEnv), ","))
	// The parent reads this line.
	fmt.Printf("%s %d %d\n", childPeakPrefix, procStatusKiB("VmHWM"), anon())
}

// sampleAnon samples the anonymous resident memory (RssAnon: what the
// process allocated, not the binary's own pages) every 2 ms until the
// returned function is called, which returns the highest in KiB.
func sampleAnon() func() int {
	done := make(chan struct{})
	peak := make(chan int)
	go func() {
		high := 0
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			high = max(high, procStatusKiB("RssAnon"))
			select {
			case <-done:
				peak <- high
				return
			case <-t.C:
			}
		}
	}()
	return func() int { close(done); return <-peak }
}

// procStatusKiB reads one KiB field of /proc/self/status, 0 if missing.
func procStatusKiB(field string) int {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			var kib int
			fmt.Sscan(rest, &kib)
			return kib
		}
	}
	return 0
}

// childPeakPrefix starts the line where the child reports its peak RSS
// (VmHWM) and peak anonymous RSS, in KiB. Not the rusage the parent could
// read: its maxrss counts the parent's memory the child shared before
// exec.
const childPeakPrefix = "kubertnetes-bench-vmhwm-kib"

// childPeakRSS runs TestBenchChild in mode against the benchmark plane and
// returns its peak resident set size and peak anonymous RSS in MB. env
// adds to the child's environment (GOMEMLIMIT=…, say).
func childPeakRSS(b *testing.B, mode string, namespaces []string, env ...string) (rss, anon float64) {
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
		var hwm, anon float64
		if _, err := fmt.Sscanf(sc.Text(), childPeakPrefix+" %g %g", &hwm, &anon); err == nil {
			return hwm / 1024, anon / 1024
		}
	}
	b.Fatalf("child %s reported no peak RSS:\n%s", mode, out)
	return 0, 0
}

// reportChildRSS runs each mode in a child (best of runs, the machine
// being shared) and reports its peak RSS and peak anonymous RSS as
// metrics "peak-RSS-MB-<mode>" and "peak-anon-MB-<mode>". A mode may
// carry environment for the child after "+": "sweep+GOMEMLIMIT=40MiB".
func reportChildRSS(b *testing.B, namespaces []string, runs int, modes ...string) {
	b.Helper()
	var line []string
	for _, m := range modes {
		mode, env, _ := strings.Cut(m, "+")
		var envs []string
		if env != "" {
			envs = strings.Split(env, "+")
		}
		var rss, anon float64
		for range runs {
			r, a := childPeakRSS(b, mode, namespaces, envs...)
			if rss == 0 || r < rss {
				rss = r
			}
			if anon == 0 || a < anon {
				anon = a
			}
		}
		b.ReportMetric(rss, "peak-RSS-MB-"+m)
		b.ReportMetric(anon, "peak-anon-MB-"+m)
		line = append(line, fmt.Sprintf("%s %.1f MB (anonymous %.1f MB)", m, rss, anon))
	}
	b.Logf("peak RSS (child process, best of %d): %s", runs, strings.Join(line, ", "))
}

// cliEnv names a built kubertnetes binary (make build) whose `analyze -A`
// the benchmark also measures, as a user runs it.
const cliEnv = "KUBERTNETES_BENCH_CLI"

// reportCLIRSS measures the peak RSS and the wall time of `kubertnetes
// analyze -A -o json` over the benchmark cluster (best of runs), with each
// extra environment in envs ("" for none), through /usr/bin/time, which
// forks before it execs and so reports the binary's own peak. Without
// cliEnv it does nothing.
func reportCLIRSS(b *testing.B, runs int, envs ...string) {
	b.Helper()
	bin := os.Getenv(cliEnv)
	if bin == "" {
		return
	}
	var line []string
	for _, env := range envs {
		best, fastest := 0.0, 0.0
		for range runs {
			cmd := exec.CommandContext(b.Context(), "/usr/bin/time", "-f", childPeakPrefix+" %M %e", bin, "analyze", "-A", "-o", "json")
			cmd.Env = append(os.Environ(), "KUBECONFIG="+plane.Cluster().KubeconfigPath())
			if env != "" {
				cmd.Env = append(cmd.Env, env)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				var exit *exec.ExitError // analyze exits 1 when it finds problems
				if !errors.As(err, &exit) || exit.ExitCode() != 1 {
					b.Fatalf("%s analyze -A: %v\n%s", bin, err, stderr.String())
				}
			}
			var kib, secs float64
			_, after, _ := strings.Cut(stderr.String(), childPeakPrefix+" ")
			if _, err := fmt.Sscan(after, &kib, &secs); err != nil {
				b.Fatalf("no peak RSS and time from /usr/bin/time: %s", stderr.String())
			}
			if best == 0 || kib/1024 < best {
				best = kib / 1024
			}
			if fastest == 0 || secs < fastest {
				fastest = secs
			}
		}
		suffix := ""
		if env != "" {
			suffix = "+" + env
		}
		b.ReportMetric(best, "peak-RSS-MB-cli"+suffix)
		b.ReportMetric(fastest, "s-cli"+suffix)
		line = append(line, fmt.Sprintf("%q %.1f MB in %.2f s", env, best, fastest))
	}
	b.Logf("analyze -A, peak RSS and wall time (best of %d): %s", runs, strings.Join(line, ", "))
}
