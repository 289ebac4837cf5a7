package analyze

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// daemonSetAnalyzer diagnoses DaemonSets whose pods are unavailable on some
// nodes, and rolling updates held up by them.
type daemonSetAnalyzer struct{}

var _ Analyzer = daemonSetAnalyzer{}

func (daemonSetAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	list, err := src.DaemonSets(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	var out []kube.Finding
	for i := range list {
		out = append(out, checkDaemonSet(&list[i])...)
	}
	return out, nil
}

// checkDaemonSet is the pure rule; a status the controller has not updated
// for the current spec yet is left alone.
func checkDaemonSet(d *appsv1.DaemonSet) []kube.Finding {
	st := d.Status
	if st.DesiredNumberScheduled == 0 || d.Generation > st.ObservedGeneration {
		return nil
	}
	ref := kube.ObjectRef{Kind: "DaemonSet", Namespace: d.Namespace, Name: d.Name}
	counts := fmt.Sprintf("nodes: %d desired, %d scheduled, %d ready, %d available, %d updated", st.DesiredNumberScheduled, st.CurrentNumberScheduled, st.NumberReady, st.NumberAvailable, st.UpdatedNumberScheduled)
	unavailable := st.NumberUnavailable
	if unavailable == 0 && st.NumberAvailable < st.DesiredNumberScheduled {
		unavailable = st.DesiredNumberScheduled - st.NumberAvailable
	}
	var out []kube.Finding
	if unavailable > 0 {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "DaemonSetUnavailable",
			Message:  fmt.Sprintf("DaemonSet %s's pods are unavailable on %d of %d nodes", d.Name, unavailable, st.DesiredNumberScheduled),
			Evidence: []string{counts},
			Docs:     "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
			Fix:      fmt.Sprintf("See the findings on %s's pods for why they are not ready.", d.Name),
		})
	}
	if d.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType && st.UpdatedNumberScheduled < st.DesiredNumberScheduled && unavailable > 0 {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "DaemonSetRolloutStuck",
			Message:  fmt.Sprintf("DaemonSet %s's rolling update is stuck at %d of %d nodes: it may not take down more pods while %d are unavailable", d.Name, st.UpdatedNumberScheduled, st.DesiredNumberScheduled, unavailable),
			Evidence: []string{counts, "maxUnavailable: " + maxUnavailable(d)},
			Docs:     "https://kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/",
			Fix:      "Fix the new pod template (see the updated pods' findings) or roll it back (kubectl rollout undo daemonset/" + d.Name + ").",
		})
	}
	return out
}

func maxUnavailable(d *appsv1.DaemonSet) string {
	if ru := d.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		return ru.MaxUnavailable.String()
	}
	return "1"
}
