package analyze

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

func TestCheckStatefulSet(t *testing.T) {
	three := int32(3)
	sts := kube.ObjectRef{Kind: "StatefulSet", Namespace: "shop", Name: "db"}
	set := func(change func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
		s := &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db", Generation: 2},
			Spec:       appsv1.StatefulSetSpec{Replicas: &three},
			Status: appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, UpdatedReplicas: 3,
				CurrentRevision: "db-7f9", UpdateRevision: "db-7f9"},
		}
		if change != nil {
			change(s)
		}
		return s
	}
	tests := []struct {
		name string
		s    *appsv1.StatefulSet
		want []kube.Finding
	}{
		{"healthy", set(nil), nil},
		{"first pod not ready, the others wait", set(func(s *appsv1.StatefulSet) {
			s.Status.Replicas, s.Status.ReadyReplicas, s.Status.AvailableReplicas, s.Status.UpdatedReplicas = 1, 0, 0, 1
		}), []kube.Finding{{
			Object: sts, Severity: kube.Warning, Reason: "StatefulSetUnavailable",
			Message:  "StatefulSet db has 3 of 3 replicas not ready; pods start in order, so db-1 waits for the ones before it to be ready",
			Evidence: []string{"replicas: 3 desired, 1 created, 0 ready, 0 available, 1 updated", "podManagementPolicy: OrderedReady"},
		}}},
		{"parallel, one not ready", set(func(s *appsv1.StatefulSet) {
			s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
			s.Status.ReadyReplicas, s.Status.AvailableReplicas = 2, 2
		}), []kube.Finding{{
			Object: sts, Severity: kube.Warning, Reason: "StatefulSetUnavailable",
			Message:  "StatefulSet db has 1 of 3 replicas not ready",
			Evidence: []string{"replicas: 3 desired, 3 created, 2 ready, 2 available, 3 updated"},
		}}},
		{"rollout stuck on a broken revision", set(func(s *appsv1.StatefulSet) {
			s.Status.UpdateRevision, s.Status.UpdatedReplicas, s.Status.ReadyReplicas, s.Status.AvailableReplicas = "db-5c4", 1, 2, 2
		}), []kube.Finding{{
			Object: sts, Severity: kube.Warning, Reason: "StatefulSetUnavailable",
			Message:  "StatefulSet db has 1 of 3 replicas not ready",
			Evidence: []string{"replicas: 3 desired, 3 created, 2 ready, 2 available, 1 updated"},
		}, {
			Object: sts, Severity: kube.Warning, Reason: "StatefulSetRolloutStuck",
			Message:  "StatefulSet db's rollout to revision db-5c4 is stuck at 1 of 3 pods: it waits for an updated pod that is not ready",
			Evidence: []string{"currentRevision: db-7f9, updateRevision: db-5c4", "replicas: 3 desired, 1 updated, 2 ready"},
		}}},
		{"rollout in progress, all ready", set(func(s *appsv1.StatefulSet) { s.Status.UpdateRevision, s.Status.UpdatedReplicas = "db-5c4", 1 }), nil},
		{"OnDelete updates wait for deletions", set(func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType
			s.Status.UpdateRevision, s.Status.UpdatedReplicas, s.Status.ReadyReplicas = "db-5c4", 0, 3
		}), nil},
		{"not observed yet", set(func(s *appsv1.StatefulSet) { s.Generation, s.Status.ReadyReplicas = 3, 0 }), nil},
		{"scaled to zero", set(func(s *appsv1.StatefulSet) { zero := int32(0); s.Spec.Replicas, s.Status.ReadyReplicas = &zero, 0 }), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkStatefulSet(tt.s)
			if diff := cmp.Diff(tt.want, got, ignoreStatic); diff != "" {
				t.Errorf("checkStatefulSet (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Docs == "" || f.Fix == "" {
					t.Errorf("finding %s has no docs link or fix hint", f.Reason)
				}
			}
		})
	}
}
