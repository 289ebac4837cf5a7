package analyze

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubertnetes/kubertnetes/kube"
)

func TestCheckDaemonSet(t *testing.T) {
	ds := kube.ObjectRef{Kind: "DaemonSet", Namespace: "shop", Name: "log-agent"}
	set := func(change func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
		d := &appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "log-agent", Generation: 3},
			Status: appsv1.DaemonSetStatus{ObservedGeneration: 3, DesiredNumberScheduled: 4, CurrentNumberScheduled: 4,
				NumberReady: 4, NumberAvailable: 4, UpdatedNumberScheduled: 4},
		}
		if change != nil {
			change(d)
		}
		return d
	}
	tests := []struct {
		name string
		d    *appsv1.DaemonSet
		want []kube.Finding
	}{
		{"healthy", set(nil), nil},
		{"no nodes to run on", set(func(d *appsv1.DaemonSet) { d.Status = appsv1.DaemonSetStatus{ObservedGeneration: 3} }), nil},
		{"pods unavailable", set(func(d *appsv1.DaemonSet) {
			d.Status.NumberReady, d.Status.NumberAvailable, d.Status.NumberUnavailable = 2, 2, 2
		}), []kube.Finding{{
			Object: ds, Severity: kube.Warning, Reason: "DaemonSetUnavailable",
			Message:  "DaemonSet log-agent's pods are unavailable on 2 of 4 nodes",
			Evidence: []string{"nodes: 4 desired, 4 scheduled, 2 ready, 2 available, 4 updated"},
		}}},
		{"rolling update stuck", set(func(d *appsv1.DaemonSet) {
			two := intstr.FromInt32(2)
			d.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &two}
			d.Status.UpdatedNumberScheduled, d.Status.NumberReady, d.Status.NumberAvailable, d.Status.NumberUnavailable = 2, 2, 2, 2
		}), []kube.Finding{{
			Object: ds, Severity: kube.Warning, Reason: "DaemonSetUnavailable",
			Message:  "DaemonSet log-agent's pods are unavailable on 2 of 4 nodes",
			Evidence: []string{"nodes: 4 desired, 4 scheduled, 2 ready, 2 available, 2 updated"},
		}, {
			Object: ds, Severity: kube.Warning, Reason: "DaemonSetRolloutStuck",
			Message:  "DaemonSet log-agent's rolling update is stuck at 2 of 4 nodes: it may not take down more pods while 2 are unavailable",
			Evidence: []string{"nodes: 4 desired, 4 scheduled, 2 ready, 2 available, 2 updated", "maxUnavailable: 2"},
		}}},
		{"rolling update in progress, all available", set(func(d *appsv1.DaemonSet) { d.Status.UpdatedNumberScheduled = 3 }), nil},
		{"not observed yet", set(func(d *appsv1.DaemonSet) { d.Generation, d.Status.NumberUnavailable = 4, 4 }), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkDaemonSet(tt.d)
			if diff := cmp.Diff(tt.want, got, ignoreStatic); diff != "" {
				t.Errorf("checkDaemonSet (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Docs == "" || f.Fix == "" {
					t.Errorf("finding %s has no docs link or fix hint", f.Reason)
				}
			}
		})
	}
}
