package kube

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
)

// plane is the real control plane shared by this package's cluster tests.
var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }

// newReader returns a Reader with the plane's admin identity.
func newReader(t *testing.T) *Reader {
	t.Helper()
	r, err := NewReader(plane.Config(), ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// loadDemo loads the demo app into ns and waits until crashloop-app
// crash-loops and the other pods are ready.
func loadDemo(t *testing.T, ns string) {
	t.Helper()
	if err := demo.Load(t.Context(), plane.Config(), plane.Cluster(), ns); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	waitPods(t, ns, "app=crashloop-app", 1, crashLooping)
	waitPods(t, ns, "app=backend", 1, podReady)
	waitPods(t, ns, "app=faulty-app", 1, podReady)
}

// crashLooping reports whether every container of p waits in CrashLoopBackOff.
func crashLooping(p *corev1.Pod) bool {
	if len(p.Status.ContainerStatuses) == 0 {
		return false
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || cs.RestartCount < 1 {
			return false
		}
	}
	return true
}

// podRunning reports whether p runs on a node (its logs can be read).
func podRunning(p *corev1.Pod) bool {
	return p.Spec.NodeName != "" && p.Status.Phase == corev1.PodRunning
}

// waitPods waits until exactly n pods match selector in ns and all satisfy
// cond, and returns them.
func waitPods(t *testing.T, ns, selector string, n int, cond func(*corev1.Pod) bool) []corev1.Pod {
	t.Helper()
	cs := plane.Clientset(t)
	var pods []corev1.Pod
	kubetest.Eventually(t, 30*time.Second, "pods "+selector+" in "+ns, func() (bool, error) {
		list, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, err
		}
		pods = list.Items
		if len(pods) != n {
			return false, nil
		}
		for i := range pods {
			if !cond(&pods[i]) {
				return false, nil
			}
		}
		return true, nil
	})
	return pods
}

// setLogs makes every container called container in ns serve these lines.
func setLogs(t *testing.T, ns, container string, current, previous []string) {
	t.Helper()
	if err := plane.Cluster().SetContainerLogs(t.Context(), ns, container, current, previous); err != nil {
		t.Fatal(err)
	}
}

// tableRows parses a kubectl-style table into its header and rows of
// whitespace-separated fields.
func tableRows(t *testing.T, table string) (header []string, rows [][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(lines) == 0 {
		t.Fatalf("empty table")
	}
	// Headers may contain one space ("NOMINATED NODE"): split on runs of 2+.
	for _, h := range strings.Split(lines[0], "  ") {
		if h = strings.TrimSpace(h); h != "" {
			header = append(header, h)
		}
	}
	for _, l := range lines[1:] {
		rows = append(rows, strings.Fields(l))
	}
	return header, rows
}

// unschedulable reports whether the scheduler gave up on p.
func unschedulable(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}
