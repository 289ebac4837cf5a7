package kubetest

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubectl/pkg/util/podutils"

	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
)

// LoadDemo loads the demo app into ns and waits until crashloop-app
// crash-loops and the other pods are ready.
func (p *Plane) LoadDemo(t testing.TB, ns string) {
	t.Helper()
	if err := demo.Load(t.Context(), p.Config(), p.Cluster(), ns); err != nil {
		t.Fatalf("kubetest: load demo: %v", err)
	}
	p.WaitPods(t, ns, "app=crashloop-app", 1, CrashLooping)
	p.WaitPods(t, ns, "app=backend", 1, PodReady)
	p.WaitPods(t, ns, "app=faulty-app", 1, PodReady)
	p.WaitDeploymentsSettled(t, ns)
}

// WaitDeploymentsSettled waits until every Deployment's status in ns says
// what its pods are: observed, updated, and as many ready replicas as it
// has Ready pods. Until then the controller is about to write the status,
// which moves the resourceVersion a fix is previewed against, and an
// apply right after a preview would find the object changed.
func (p *Plane) WaitDeploymentsSettled(t testing.TB, ns string) {
	t.Helper()
	cs := p.Clientset(t)
	Eventually(t, 30*time.Second, "deployments in "+ns+" settled", func() (bool, error) {
		deps, err := cs.AppsV1().Deployments(ns).List(t.Context(), metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, d := range deps.Items {
			st := d.Status
			if st.ObservedGeneration < d.Generation || d.Spec.Replicas == nil || st.UpdatedReplicas != *d.Spec.Replicas || st.Replicas != *d.Spec.Replicas {
				return false, nil
			}
			sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
			if err != nil {
				return false, err
			}
			pods, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: sel.String()})
			if err != nil {
				return false, err
			}
			ready := int32(0)
			for i := range pods.Items {
				if PodReady(&pods.Items[i]) {
					ready++
				}
			}
			if st.ReadyReplicas != ready || st.AvailableReplicas != ready {
				return false, nil
			}
		}
		return true, nil
	})
}

// WaitPods waits until exactly n pods match selector in ns and all satisfy
// cond, and returns them.
func (p *Plane) WaitPods(t testing.TB, ns, selector string, n int, cond func(*corev1.Pod) bool) []corev1.Pod {
	t.Helper()
	cs := p.Clientset(t)
	var pods []corev1.Pod
	Eventually(t, 30*time.Second, "pods "+selector+" in "+ns, func() (bool, error) {
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

// SetLogs makes every container called container in ns serve these lines.
func (p *Plane) SetLogs(t testing.TB, ns, container string, current, previous []string) {
	t.Helper()
	if err := p.Cluster().SetContainerLogs(t.Context(), ns, container, current, previous); err != nil {
		t.Fatalf("kubetest: set logs: %v", err)
	}
}

// PodReady reports whether p has the Ready condition.
func PodReady(p *corev1.Pod) bool { return podutils.IsPodReady(p) }

// CrashLooping reports whether every container of p waits in CrashLoopBackOff.
func CrashLooping(p *corev1.Pod) bool {
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

// PodRunning reports whether p runs on a node (its logs can be read).
func PodRunning(p *corev1.Pod) bool {
	return p.Spec.NodeName != "" && p.Status.Phase == corev1.PodRunning
}

// Unschedulable reports whether the scheduler gave up on p.
func Unschedulable(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}
