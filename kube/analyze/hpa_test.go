package analyze

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

func testHPA(target string, metrics []autoscalingv2.MetricSpec, conds ...autoscalingv2.HorizontalPodAutoscalerCondition) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target},
			MaxReplicas:    5, Metrics: metrics,
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{Conditions: conds},
	}
}

func cpuUtilization(pct int32) []autoscalingv2.MetricSpec {
	return []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &pct}}}}
}

func podTemplateWith(requests ...corev1.ResourceList) *corev1.PodTemplateSpec {
	t := &corev1.PodTemplateSpec{}
	for i, r := range requests {
		t.Spec.Containers = append(t.Spec.Containers, corev1.Container{Name: []string{"app", "sidecar"}[i], Resources: corev1.ResourceRequirements{Requests: r}})
	}
	return t
}

func TestCheckHPA(t *testing.T) {
	cpu := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
	mem := corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}
	noMetrics := autoscalingv2.HorizontalPodAutoscalerCondition{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, Reason: "FailedGetResourceMetric",
		Message: "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)"}
	missingRequest := autoscalingv2.HorizontalPodAutoscalerCondition{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, Reason: "FailedGetResourceMetric",
		Message: "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container app of Pod web-1"}
	podsMetric := autoscalingv2.HorizontalPodAutoscalerCondition{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, Reason: "FailedGetPodsMetric",
		Message: "the HPA was unable to compute the replica count: unable to get metric http_requests_per_second: unable to fetch metrics from custom metrics API"}
	found := func(tmpl *corev1.PodTemplateSpec) hpaTarget {
		return hpaTarget{Checked: true, Template: tmpl, Existing: []string{"web", "worker"}}
	}
	tests := []struct {
		name   string
		hpa    *autoscalingv2.HorizontalPodAutoscaler
		target hpaTarget
		served bool
		want   []string
	}{
		{"healthy", testHPA("web", cpuUtilization(70)), found(podTemplateWith(cpu)), true, nil},
		{"target missing: nothing else is checked", testHPA("webb", cpuUtilization(70), noMetrics), hpaTarget{Checked: true, Existing: []string{"web", "worker"}}, false, []string{"HPATargetNotFound"}},
		{"a custom kind is not ours to check", testHPA("web", nil), hpaTarget{}, true, nil},
		{"no metrics-server: the condition", testHPA("web", cpuUtilization(70), noMetrics), found(podTemplateWith(cpu)), false, []string{"HPAMetricsUnavailable"}},
		{"no metrics-server: before the controller says so", testHPA("web", cpuUtilization(70)), found(podTemplateWith(cpu)), false, []string{"HPAMetricsUnavailable"}},
		{"custom metric not served", testHPA("web", nil, podsMetric), found(podTemplateWith(cpu)), true, []string{"HPAMetricsUnavailable"}},
		{"missing request: the requests finding only", testHPA("web", cpuUtilization(70), missingRequest), found(podTemplateWith(cpu, mem)), true, []string{"HPAMissingRequests"}},
		{"missing request and no metrics-server", testHPA("web", cpuUtilization(70), noMetrics), found(podTemplateWith(mem)), false, []string{"HPAMetricsUnavailable", "HPAMissingRequests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := checkHPA(tt.hpa, tt.target, tt.served)
			var got []string
			for _, f := range fs {
				got = append(got, f.Reason)
				if f.Severity != kube.Warning || f.Object != (kube.ObjectRef{Kind: "HorizontalPodAutoscaler", Namespace: "shop", Name: "web"}) || f.Docs == "" || f.Fix == "" {
					t.Errorf("finding %+v", f)
				}
				unredacted(t, f)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHPAMissingRequestsNamesTheContainers(t *testing.T) {
	cpu := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
	fs := checkHPA(testHPA("web", cpuUtilization(60)), hpaTarget{Checked: true, Template: podTemplateWith(cpu, nil)}, true)
	if len(fs) != 1 {
		t.Fatalf("got %+v, want one finding", fs)
	}
	f := fs[0]
	if f.Owner == nil || *f.Owner != (kube.ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "web"}) {
		t.Errorf("owner %v, want the Deployment to fix", f.Owner)
	}
	if !strings.Contains(f.Message, "container(s) sidecar request no cpu") || strings.Contains(f.Message, "app,") {
		t.Errorf("message %q", f.Message)
	}
}

func TestHPATargetNearMissProposal(t *testing.T) {
	fs := checkHPA(testHPA("frontent", cpuUtilization(70)), hpaTarget{Checked: true, Existing: []string{"frontend", "backend"}}, true)
	if len(fs) != 1 || fs[0].Proposal == nil {
		t.Fatalf("got %+v, want one finding with a proposal", fs)
	}
	p := fs[0].Proposal
	want := `[{"op":"test","path":"/spec/scaleTargetRef/name","value":"frontent"},{"op":"replace","path":"/spec/scaleTargetRef/name","value":"frontend"}]`
	if string(p.Patch) != want || p.Target != (kube.Target{Kind: "HorizontalPodAutoscaler", Namespace: "shop", Name: "web"}) {
		t.Errorf("proposal on %v: %s", p.Target, p.Patch)
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
	// Two equally close names: a finding, no guess.
	fs = checkHPA(testHPA("web-2", nil), hpaTarget{Checked: true, Existing: []string{"web-1", "web-3"}}, true)
	if len(fs) != 1 || fs[0].Proposal != nil {
		t.Errorf("got %+v, want a finding without a proposal", fs)
	}
}
