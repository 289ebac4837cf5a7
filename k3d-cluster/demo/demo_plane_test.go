package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
)

var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }

// The demo app reaches, on the simulated plane, the states k3d-cluster's
// README shows a user on k3d.
func TestDemoReachesTheDocumentedStates(t *testing.T) {
	ns := plane.Namespace(t)
	ctx := context.Background()
	if err := demo.Load(ctx, plane.Config(), plane.Cluster(), ns); err != nil {
		t.Fatal(err)
	}
	cs := plane.Clientset(t)
	pod := func(app string) *corev1.Pod {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil || len(pods.Items) == 0 {
			return nil
		}
		return &pods.Items[0]
	}
	ready := func(p *corev1.Pod) string {
		n := 0
		for _, c := range p.Status.ContainerStatuses {
			if c.Ready {
				n++
			}
		}
		return strings.Repeat("*", n) + "/" + strings.Repeat("*", len(p.Spec.Containers))
	}
	kubetest.Eventually(t, time.Minute, "faulty-app 2/2 Running and backend 1/1 Running", func() (bool, error) {
		f, b := pod("faulty-app"), pod("backend")
		return f != nil && b != nil && f.Status.Phase == corev1.PodRunning && ready(f) == "**/**" &&
			b.Status.Phase == corev1.PodRunning && ready(b) == "*/*", nil
	})
	var first int32
	kubetest.Eventually(t, time.Minute, "crashloop-app in CrashLoopBackOff", func() (bool, error) {
		p := pod("crashloop-app")
		if p == nil || len(p.Status.ContainerStatuses) == 0 {
			return false, nil
		}
		s := p.Status.ContainerStatuses[0]
		first = s.RestartCount
		return s.State.Waiting != nil && s.State.Waiting.Reason == "CrashLoopBackOff" && s.RestartCount >= 1, nil
	})
	kubetest.Eventually(t, 30*time.Second, "crashloop-app's restarts rising", func() (bool, error) {
		p := pod("crashloop-app")
		return p != nil && p.Status.ContainerStatuses[0].RestartCount > first, nil
	})
	logs := func(app, container string, previous bool) string {
		p := pod(app)
		b, err := cs.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: container, Previous: previous}).DoRaw(ctx)
		if err != nil {
			t.Fatalf("logs of %s/%s: %v", app, container, err)
		}
		return string(b)
	}
	if got := logs("crashloop-app", "crashloop-app", true); !strings.Contains(got, `FATAL: LISTEN_PORT="eighty" is not a port number (set env LISTEN_PORT to e.g. 8080)`) {
		t.Errorf("crashloop-app --previous logs = %q", got)
	}
	if got := logs("faulty-app", "checker", false); !strings.Contains(got, "status: BAD - cannot reach backend at http://backend-svc:8080/healthz") {
		t.Errorf("faulty-app checker logs = %q", got)
	}
}
