package analyze

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// testDeployment is a Deployment of want replicas whose rollout the
// controller has seen; change shapes its status.
func testDeployment(want *int32, change func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "api", Generation: 2},
		Spec:       appsv1.DeploymentSpec{Replicas: want},
		Status:     appsv1.DeploymentStatus{ObservedGeneration: 2},
	}
	if change != nil {
		change(d)
	}
	return d
}

func TestCheckDeployment(t *testing.T) {
	three, zero := int32(3), int32(0)
	deploy := kube.ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "api"}
	unavailable := func(n int32) func(*appsv1.Deployment) {
		return func(d *appsv1.Deployment) {
			d.Status.Replicas, d.Status.UpdatedReplicas = 3, 3
			d.Status.ReadyReplicas, d.Status.AvailableReplicas, d.Status.UnavailableReplicas = 3-n, 3-n, n
		}
	}
	stalled := func(d *appsv1.Deployment) {
		unavailable(3)(d)
		d.Status.Conditions = []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse, Reason: "MinimumReplicasUnavailable"},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded",
				Message: `ReplicaSet "api-7d9f" has timed out progressing.`},
		}
	}
	tests := []struct {
		name string
		d    *appsv1.Deployment
		want []kube.Finding
	}{
		{"healthy", testDeployment(&three, unavailable(0)), nil},
		{"some replicas unavailable", testDeployment(&three, unavailable(1)), []kube.Finding{{
			Object: deploy, Severity: kube.Warning, Reason: "UnavailableReplicas",
			Message:  "Deployment api has 1 of 3 replicas unavailable",
			Evidence: []string{"replicas: 3 desired, 3 updated, 2 ready, 2 available"},
		}}},
		{"replicas default to one", testDeployment(nil, func(d *appsv1.Deployment) { d.Status.UnavailableReplicas = 1 }), []kube.Finding{{
			Object: deploy, Severity: kube.Warning, Reason: "UnavailableReplicas",
			Message:  "Deployment api has 1 of 1 replicas unavailable",
			Evidence: []string{"replicas: 1 desired, 0 updated, 0 ready, 0 available"},
		}}},
		{"rollout not observed yet", testDeployment(&three, func(d *appsv1.Deployment) {
			unavailable(1)(d)
			d.Generation = 3
		}), nil},
		{"scaled to zero", testDeployment(&zero, func(d *appsv1.Deployment) { d.Status.UnavailableReplicas = 1 }), nil},
		{"progress deadline exceeded", testDeployment(&three, stalled), []kube.Finding{
			{
				Object: deploy, Severity: kube.Critical, Reason: "ProgressDeadlineExceeded",
				Message:  `Deployment api's rollout stopped progressing: ReplicaSet "api-7d9f" has timed out progressing.`,
				Evidence: []string{`condition Progressing=False: ReplicaSet "api-7d9f" has timed out progressing.`},
			},
			{
				Object: deploy, Severity: kube.Warning, Reason: "UnavailableReplicas",
				Message:  "Deployment api has 3 of 3 replicas unavailable",
				Evidence: []string{"replicas: 3 desired, 3 updated, 0 ready, 0 available"},
			},
		}},
		{"still progressing", testDeployment(&three, func(d *appsv1.Deployment) {
			d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "ReplicaSetUpdated"}}
		}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkDeployment(tt.d)
			if diff := cmp.Diff(tt.want, got, ignoreStatic); diff != "" {
				t.Errorf("checkDeployment (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Docs == "" || f.Fix == "" {
					t.Errorf("finding %s has no docs link or fix hint", f.Reason)
				}
			}
		})
	}
}
