package fixer

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	deploymentutil "k8s.io/kubectl/pkg/util/deployment"
	"k8s.io/kubectl/pkg/util/podutils"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

// quiet waits until the controllers are done with deployment name, so that
// status updates do not move its resourceVersion under a preview. A
// crash-looping Deployment never becomes available, and a rollout to a
// crash-looping template stops half way: quiet waits for the point where
// none of them has anything left to write (see moving).
func quiet(t *testing.T, cs kubernetes.Interface, ns, name string) {
	t.Helper()
	kubetest.Eventually(t, 30*time.Second, "deployment "+name+" quiet", func() (bool, error) {
		d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		err = moving(t.Context(), cs, d)
		return err == nil, err
	})
}

// moving says what a controller still has to write about d, nil when
// nothing: the simulated kubelet has played every pod (it has container
// statuses) and none is terminating; every ReplicaSet has observed its
// spec and its status counts its pods; the Deployment has observed its
// spec and its status counts its ReplicaSets. Each controller writes only
// when what it reads differs from what it wrote, so from there on none
// does, until something changes (crash-loop restarts change neither
// readiness nor counts).
func moving(ctx context.Context, cs kubernetes.Interface, d *appsv1.Deployment) error {
	if d.Status.ObservedGeneration != d.Generation {
		return fmt.Errorf("generation %d not observed (%d)", d.Generation, d.Status.ObservedGeneration)
	}
	_, old, newRS, err := deploymentutil.GetAllReplicaSets(d, cs.AppsV1())
	if err != nil {
		return err
	}
	if newRS == nil {
		return fmt.Errorf("no ReplicaSet for the current template yet")
	}
	pods, err := cs.CoreV1().Pods(d.Namespace).List(ctx, metav1.ListOptions{LabelSelector: metav1.FormatLabelSelector(d.Spec.Selector)})
	if err != nil {
		return err
	}
	var want appsv1.DeploymentStatus
	now := metav1.Now()
	for _, rs := range append(old, newRS) {
		var active, ready, available int32
		for i := range pods.Items {
			p := &pods.Items[i]
			if !metav1.IsControlledBy(p, rs) {
				continue
			}
			if p.DeletionTimestamp != nil {
				return fmt.Errorf("pod %s terminating", p.Name)
			}
			if len(p.Status.ContainerStatuses) == 0 {
				return fmt.Errorf("pod %s not run by the simulated kubelet yet", p.Name)
			}
			active++
			if podutils.IsPodReady(p) {
				ready++
			}
			if podutils.IsPodAvailable(p, d.Spec.MinReadySeconds, now) {
				available++
			}
		}
		s := rs.Status
		if s.ObservedGeneration != rs.Generation || *rs.Spec.Replicas != active || s.Replicas != active ||
			s.ReadyReplicas != ready || s.AvailableReplicas != available || deref(s.TerminatingReplicas) != 0 {
			return fmt.Errorf("replicaset %s (generation %d, %d replicas) has %d pods, %d ready, %d available; status %+v",
				rs.Name, rs.Generation, *rs.Spec.Replicas, active, ready, available, s)
		}
		want.Replicas += active
		want.ReadyReplicas += ready
		want.AvailableReplicas += available
		if rs == newRS {
			want.UpdatedReplicas = active
		}
	}
	got := d.Status
	if got.Replicas != want.Replicas || got.UpdatedReplicas != want.UpdatedReplicas || got.ReadyReplicas != want.ReadyReplicas ||
		got.AvailableReplicas != want.AvailableReplicas || deref(got.TerminatingReplicas) != 0 {
		return fmt.Errorf("deployment status %+v, its ReplicaSets count %+v", got, want)
	}
	return nil
}

func deref(n *int32) int32 {
	if n == nil {
		return 0
	}
	return *n
}
