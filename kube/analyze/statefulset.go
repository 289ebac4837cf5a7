package analyze

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// statefulSetAnalyzer diagnoses StatefulSets whose pods are not all ready,
// and rolling updates that stopped on a pod that does not become ready.
type statefulSetAnalyzer struct{}

var _ Analyzer = statefulSetAnalyzer{}

func (statefulSetAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	list, err := src.StatefulSets(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	var out []kube.Finding
	for i := range list {
		out = append(out, checkStatefulSet(&list[i])...)
	}
	return out, nil
}

// checkStatefulSet is the pure rule. A StatefulSet the controller has not
// caught up with (observedGeneration behind) is left alone: its status
// describes the previous spec.
func checkStatefulSet(s *appsv1.StatefulSet) []kube.Finding {
	want := int32(1)
	if s.Spec.Replicas != nil {
		want = *s.Spec.Replicas
	}
	if want == 0 || s.Generation > s.Status.ObservedGeneration {
		return nil
	}
	ref := kube.ObjectRef{Kind: "StatefulSet", Namespace: s.Namespace, Name: s.Name}
	st := s.Status
	counts := fmt.Sprintf("replicas: %d desired, %d created, %d ready, %d available, %d updated", want, st.Replicas, st.ReadyReplicas, st.AvailableReplicas, st.UpdatedReplicas)
	var out []kube.Finding
	if st.ReadyReplicas < want {
		f := kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "StatefulSetUnavailable",
			Message:  fmt.Sprintf("StatefulSet %s has %d of %d replicas not ready", s.Name, want-st.ReadyReplicas, want),
			Evidence: []string{counts},
			Docs:     "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/",
			Fix:      fmt.Sprintf("See the findings on %s's pods (%s-0, %s-1 …) for why they are not ready.", s.Name, s.Name, s.Name),
		}
		if s.Spec.PodManagementPolicy != appsv1.ParallelPodManagement && st.Replicas < want {
			f.Message += fmt.Sprintf("; pods start in order, so %s-%d waits for the ones before it to be ready", s.Name, st.Replicas)
			f.Evidence = append(f.Evidence, "podManagementPolicy: OrderedReady")
		}
		out = append(out, f)
	}
	if stuck, ok := statefulSetRolloutStuck(s, want); ok {
		out = append(out, stuck)
	}
	return out
}

// statefulSetRolloutStuck: a rolling update to a new revision that has not
// reached every pod while some pod is not ready — the controller replaces
// pods one at a time and waits for each to be ready, so a new revision
// that does not become ready stops the rollout for good.
func statefulSetRolloutStuck(s *appsv1.StatefulSet, want int32) (kube.Finding, bool) {
	st := s.Status
	if s.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType || st.UpdateRevision == "" ||
		st.UpdateRevision == st.CurrentRevision || st.UpdatedReplicas >= want || st.ReadyReplicas >= want {
		return kube.Finding{}, false
	}
	return kube.Finding{
		Object: kube.ObjectRef{Kind: "StatefulSet", Namespace: s.Namespace, Name: s.Name}, Severity: kube.Warning, Reason: "StatefulSetRolloutStuck",
		Message: fmt.Sprintf("StatefulSet %s's rollout to revision %s is stuck at %d of %d pods: it waits for an updated pod that is not ready", s.Name, st.UpdateRevision, st.UpdatedReplicas, want),
		Evidence: []string{
			fmt.Sprintf("currentRevision: %s, updateRevision: %s", st.CurrentRevision, st.UpdateRevision),
			fmt.Sprintf("replicas: %d desired, %d updated, %d ready", want, st.UpdatedReplicas, st.ReadyReplicas),
		},
		Docs: "https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#forced-rollback",
		Fix:  "Fix the new revision's pod template (see the updated pod's findings), or roll back the template; a pod stuck on a broken revision may need to be deleted after the fix.",
	}, true
}
