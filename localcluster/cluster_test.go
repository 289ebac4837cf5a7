package localcluster

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"

	"github.com/kubertnetes/kubertnetes/internal/poll"
)

// TestCluster starts a real control plane and checks, against it, what the
// project relies on; then that Stop leaves nothing behind.
func TestCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute) // a cold build included
	defer cancel()
	bin, err := EnsureBinaries(ctx, BuildOptions{Log: testLog{t}})
	if err != nil {
		t.Fatalf("EnsureBinaries: %v", err)
	}
	t0 := time.Now()
	c, err := Start(ctx, Options{BinDir: bin, Log: testLog{t}, FaultRules: testFaultRules})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("started in %s", time.Since(t0).Round(time.Millisecond))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = c.Stop()
		}
	})
	cs, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}

	t.Run("nodes ready", func(t *testing.T) {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(nodes.Items) != 2 {
			t.Fatalf("got %d nodes, want 2", len(nodes.Items))
		}
		for _, n := range nodes.Items {
			if !nodeReady(&n) {
				t.Errorf("node %s is not Ready: %+v", n.Name, n.Status.Conditions)
			}
		}
	})

	t.Run("deployment runs", func(t *testing.T) {
		ns := createNamespace(t, cs, "deploy")
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, deployment("web", "web", nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitPod(t, cs, ns, "app=web", "Running and Ready", func(p *corev1.Pod) bool {
			return p.Status.Phase == corev1.PodRunning && podReady(p)
		})
	})

	t.Run("crash loop", func(t *testing.T) {
		ns := createNamespace(t, cs, "crash")
		ann := map[string]string{CrashLoopAnnotation: "true", CrashLoopExitCodeAnnotation: "137", CrashLoopReasonAnnotation: "OOMKilled"}
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, deployment("crasher", "app", ann), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pod := waitPod(t, cs, ns, "app=crasher", "CrashLoopBackOff", func(p *corev1.Pod) bool {
			for _, s := range p.Status.ContainerStatuses {
				if s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff" && s.RestartCount >= 1 {
					return true
				}
			}
			return false
		})
		s := pod.Status.ContainerStatuses[0]
		if term := s.LastTerminationState.Terminated; term == nil || term.ExitCode != 137 || term.Reason != "OOMKilled" {
			t.Errorf("lastState.terminated = %+v, want exit code 137, reason OOMKilled", term)
		}
		if podReady(pod) {
			t.Error("crash-looping pod is Ready")
		}
		poll.Until(t, 10*time.Second, "a Warning BackOff event", func() (bool, error) {
			evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
				FieldSelector: fields.OneTermEqualSelector("involvedObject.name", pod.Name).String(),
			})
			if err != nil {
				return false, err
			}
			return slices.ContainsFunc(evs.Items, func(e corev1.Event) bool {
				return e.Type == corev1.EventTypeWarning && e.Reason == "BackOff"
			}), nil
		})
	})

	t.Run("fault rules on the spec", func(t *testing.T) { testFaults(t, cs) })

	t.Run("container logs", func(t *testing.T) {
		ns := createNamespace(t, cs, "logs")
		// A pod that exists before the logs are set ...
		before := deployment("before", "app", nil)
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, before, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		podBefore := waitPod(t, cs, ns, "app=before", "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
		if err := c.SetContainerLogs(ctx, ns, "app", []string{"starting", "connecting to db"}, []string{"panic: boom"}); err != nil {
			t.Fatalf("SetContainerLogs: %v", err)
		}
		// ... and one created after.
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, deployment("after", "app", nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		podAfter := waitPod(t, cs, ns, "app=after", "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })

		tests := []struct {
			name     string
			pod      string
			previous bool
			want     string
		}{
			{"existing pod", podBefore.Name, false, "starting\nconnecting to db\n"},
			{"new pod", podAfter.Name, false, "starting\nconnecting to db\n"},
			{"previous", podAfter.Name, true, "panic: boom\n"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := cs.CoreV1().Pods(ns).GetLogs(tt.pod, &corev1.PodLogOptions{Container: "app", Previous: tt.previous}).DoRaw(ctx)
				if err != nil {
					t.Fatalf("GetLogs: %v", err)
				}
				if string(got) != tt.want {
					t.Errorf("logs = %q, want %q", got, tt.want)
				}
			})
		}

		// Replacing the lines takes effect at once; without previous lines, previous=true fails.
		if err := c.SetContainerLogs(ctx, ns, "app", []string{"v2"}, nil); err != nil {
			t.Fatalf("SetContainerLogs again: %v", err)
		}
		got, err := cs.CoreV1().Pods(ns).GetLogs(podAfter.Name, &corev1.PodLogOptions{Container: "app"}).DoRaw(ctx)
		if err != nil || string(got) != "v2\n" {
			t.Errorf("logs after update = %q, %v; want %q", got, err, "v2\n")
		}
		if _, err := cs.CoreV1().Pods(ns).GetLogs(podAfter.Name, &corev1.PodLogOptions{Container: "app", Previous: true}).DoRaw(ctx); err == nil {
			t.Error("previous logs without previous lines: got no error")
		}
	})

	t.Run("user without bindings is forbidden", func(t *testing.T) {
		cfg, err := c.UserConfig("alice", "developers")
		if err != nil {
			t.Fatal(err)
		}
		ucs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ucs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if !apierrors.IsForbidden(err) {
			t.Fatalf("list pods as alice: got %v, want Forbidden", err)
		}
		if !strings.Contains(err.Error(), `"alice"`) {
			t.Errorf("Forbidden error does not name the user: %v", err)
		}
	})

	// Stop: every component gone, the state dir removed, a second Stop harmless.
	dir, procs := c.Dir(), slices.Clone(c.procs)
	t0 = time.Now()
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	t.Logf("stopped in %s", time.Since(t0).Round(time.Millisecond))
	if len(procs) != 5 {
		t.Errorf("tracked %d processes, want 5", len(procs))
	}
	for _, p := range procs {
		if err := syscall.Kill(p.pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still exists after Stop: kill 0 = %v", p.name, p.pid, err)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state dir %s still exists after Stop: %v", dir, err)
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}
