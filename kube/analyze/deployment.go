package analyze

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// deploymentAnalyzer diagnoses Deployments that do not have the replicas
// they ask for, or whose rollout stopped progressing.
type deploymentAnalyzer struct{}

var _ Analyzer = deploymentAnalyzer{}

func (deploymentAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	list, err := src.Deployments(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	var out []kube.Finding
	for i := range list {
		out = append(out, checkDeployment(&list[i])...)
	}
	return out, nil
}

// checkDeployment is the pure rule.
func checkDeployment(d *appsv1.Deployment) []kube.Finding {
	ref := kube.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	var out []kube.Finding
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" {
			out = append(out, kube.Finding{
				Object: ref, Severity: kube.Critical, Reason: "ProgressDeadlineExceeded",
				Message:  fmt.Sprintf("Deployment %s's rollout stopped progressing: %s", d.Name, c.Message),
				Evidence: []string{"condition Progressing=False: " + c.Message},
				Docs:     "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#failed-deployment",
				Fix:      "Look at the new ReplicaSet's pods for why they do not become ready; roll back if the new version is broken.",
			})
		}
	}
	if want > 0 && d.Status.UnavailableReplicas > 0 && d.Generation <= d.Status.ObservedGeneration {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "UnavailableReplicas",
			Message: fmt.Sprintf("Deployment %s has %d of %d replicas unavailable", d.Name, d.Status.UnavailableReplicas, want),
			Evidence: []string{
				fmt.Sprintf("replicas: %d desired, %d updated, %d ready, %d available", want, d.Status.UpdatedReplicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas),
			},
			Docs: "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/",
			Fix:  "See the findings on this Deployment's pods for why they are not ready.",
		})
	}
	return out
}
