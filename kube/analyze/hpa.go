package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// hpaAnalyzer finds HorizontalPodAutoscalers that cannot scale: their
// target does not exist, the metrics they scale on cannot be read (no
// metrics-server), or the target's containers lack the resource requests a
// utilization target is a percentage of.
type hpaAnalyzer struct{}

var _ Analyzer = hpaAnalyzer{}

// hpaTarget is what the analyzer found of an HPA's scaleTargetRef.
type hpaTarget struct {
	// Checked is false for kinds the analyzer does not read (custom resources).
	Checked bool
	// Template is the target's pod template; nil when it does not exist.
	Template *corev1.PodTemplateSpec
	// Existing are the names of the target's kind in the namespace.
	Existing []string
}

const metricsGroupVersion = "metrics.k8s.io/v1beta1"

func (hpaAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	hpas, err := src.HorizontalPodAutoscalers(ctx, s.Namespace)
	if err != nil || len(hpas) == 0 {
		return nil, err
	}
	templates := map[string]map[string]*corev1.PodTemplateSpec{} // kind -> ns/name -> template
	deps, err := src.Deployments(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	templates["Deployment"] = map[string]*corev1.PodTemplateSpec{}
	for i := range deps {
		templates["Deployment"][deps[i].Namespace+"/"+deps[i].Name] = &deps[i].Spec.Template
	}
	sts, err := src.StatefulSets(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	templates["StatefulSet"] = map[string]*corev1.PodTemplateSpec{}
	for i := range sts {
		templates["StatefulSet"][sts[i].Namespace+"/"+sts[i].Name] = &sts[i].Spec.Template
	}
	rss, err := src.ReplicaSets(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	templates["ReplicaSet"] = map[string]*corev1.PodTemplateSpec{}
	for i := range rss {
		templates["ReplicaSet"][rss[i].Namespace+"/"+rss[i].Name] = &rss[i].Spec.Template
	}
	// Whether the resource metrics API is served, asked at most once.
	var served *bool
	metricsServed := func() bool {
		if served == nil {
			// Asked afresh (metrics-server may be installed later); an error
			// other than NotFound says nothing about it.
			ok, err := src.Serves(ctx, metricsGroupVersion)
			ok = ok || err != nil
			served = &ok
		}
		return *served
	}
	var out []kube.Finding
	for i := range hpas {
		h := &hpas[i]
		ref := h.Spec.ScaleTargetRef
		var t hpaTarget
		if byName, ok := templates[ref.Kind]; ok && (ref.APIVersion == "" || strings.HasPrefix(ref.APIVersion, "apps/")) {
			t.Checked, t.Template = true, byName[h.Namespace+"/"+ref.Name]
			for k := range byName {
				if n, ok := strings.CutPrefix(k, h.Namespace+"/"); ok {
					t.Existing = append(t.Existing, n)
				}
			}
		}
		served := true
		if usesResourceMetrics(h) {
			served = metricsServed()
		}
		out = append(out, checkHPA(h, t, served)...)
	}
	return out, nil
}

func usesResourceMetrics(h *autoscalingv2.HorizontalPodAutoscaler) bool {
	for _, m := range h.Spec.Metrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType || m.Type == autoscalingv2.ContainerResourceMetricSourceType {
			return true
		}
	}
	return false
}

// checkHPA is the pure rule. metricsServed says whether the cluster serves
// the resource metrics API (metrics.k8s.io).
func checkHPA(h *autoscalingv2.HorizontalPodAutoscaler, t hpaTarget, metricsServed bool) []kube.Finding {
	ref := kube.ObjectRef{Kind: "HorizontalPodAutoscaler", Namespace: h.Namespace, Name: h.Name}
	target := h.Spec.ScaleTargetRef
	if t.Checked && t.Template == nil {
		return []kube.Finding{hpaTargetNotFound(h, ref, t.Existing)}
	}
	var out []kube.Finding
	if f, ok := hpaMetrics(h, ref, metricsServed); ok {
		out = append(out, f)
	}
	if t.Template == nil {
		return out
	}
	for _, m := range h.Spec.Metrics {
		var res corev1.ResourceName
		only := "" // a ContainerResource metric reads one container
		switch {
		case m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Target.Type == autoscalingv2.UtilizationMetricType:
			res = m.Resource.Name
		case m.Type == autoscalingv2.ContainerResourceMetricSourceType && m.ContainerResource != nil && m.ContainerResource.Target.Type == autoscalingv2.UtilizationMetricType:
			res, only = m.ContainerResource.Name, m.ContainerResource.Container
		default:
			continue
		}
		var lacking []string
		for _, c := range t.Template.Spec.Containers {
			if _, ok := c.Resources.Requests[res]; !ok && (only == "" || only == c.Name) {
				lacking = append(lacking, c.Name)
			}
		}
		if len(lacking) == 0 {
			continue
		}
		owner := &kube.ObjectRef{Kind: target.Kind, Namespace: h.Namespace, Name: target.Name}
		out = append(out, kube.Finding{
			Object: ref, Owner: owner, Severity: kube.Warning, Reason: "HPAMissingRequests",
			Message: fmt.Sprintf("HorizontalPodAutoscaler %s scales %s %s on %s utilization, a percentage of the containers' %s requests, but container(s) %s request no %s: it cannot compute a utilization and does not scale",
				h.Name, strings.ToLower(target.Kind), target.Name, res, res, strings.Join(lacking, ", "), res),
			Evidence: []string{fmt.Sprintf("metric: %s utilization", res), fmt.Sprintf("%s/%s containers without requests.%s: %s", strings.ToLower(target.Kind), target.Name, res, strings.Join(lacking, ", "))},
			Docs:     "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#how-does-a-horizontalpodautoscaler-work",
			Fix:      fmt.Sprintf("Set resources.requests.%s on container(s) %s of %s %s, or scale on an AverageValue target instead of Utilization.", res, strings.Join(lacking, ", "), strings.ToLower(target.Kind), target.Name),
		})
	}
	return out
}

func hpaTargetNotFound(h *autoscalingv2.HorizontalPodAutoscaler, ref kube.ObjectRef, existing []string) kube.Finding {
	target := h.Spec.ScaleTargetRef
	kind := strings.ToLower(target.Kind)
	f := kube.Finding{
		Object: ref, Severity: kube.Warning, Reason: "HPATargetNotFound",
		Message:  fmt.Sprintf("HorizontalPodAutoscaler %s scales %s %s, which does not exist in namespace %s: nothing is autoscaled", h.Name, kind, target.Name, h.Namespace),
		Evidence: []string{fmt.Sprintf("scaleTargetRef: %s %s", target.Kind, target.Name)},
		Docs:     "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/",
		Fix:      fmt.Sprintf("Point spec.scaleTargetRef at the workload to scale, or delete the HorizontalPodAutoscaler if %s %s is gone for good.", kind, target.Name),
	}
	for _, c := range h.Status.Conditions {
		if c.Type == autoscalingv2.AbleToScale && c.Status == corev1.ConditionFalse {
			f.Evidence = append(f.Evidence, fmt.Sprintf("condition AbleToScale=False (%s): %s", c.Reason, c.Message))
		}
	}
	near := nearMiss(target.Name, existing)
	if near == "" {
		return f
	}
	f.Evidence = append(f.Evidence, fmt.Sprintf("near miss: %s %q exists", target.Kind, near))
	f.Fix = fmt.Sprintf("%s %q exists: point spec.scaleTargetRef.name at it.", target.Kind, near)
	patch, _ := json.Marshal([]map[string]string{
		{"op": "test", "path": "/spec/scaleTargetRef/name", "value": target.Name},
		{"op": "replace", "path": "/spec/scaleTargetRef/name", "value": near},
	})
	f.Proposal = &kube.Fix{
		Target: kube.Target{Kind: "HorizontalPodAutoscaler", Namespace: h.Namespace, Name: h.Name}, Operation: kube.OpJSONPatch, Patch: patch,
		Rationale: fmt.Sprintf("%s %q does not exist; %q does and is the only name that close.", target.Kind, target.Name, near),
		Risk:      fmt.Sprintf("The autoscaler starts scaling %s %s between %d and %d replicas.", kind, near, minReplicas(h), h.Spec.MaxReplicas),
		Expected:  fmt.Sprintf("HorizontalPodAutoscaler %s is able to scale %s %s", h.Name, kind, near),
	}
	return f
}

func minReplicas(h *autoscalingv2.HorizontalPodAutoscaler) int32 {
	if h.Spec.MinReplicas == nil {
		return 1
	}
	return *h.Spec.MinReplicas
}

// hpaMetrics reports an HPA whose metrics cannot be read: its ScalingActive
// condition says so, or it scales on resource metrics the cluster does not
// serve. A missing request is left to the requests check.
func hpaMetrics(h *autoscalingv2.HorizontalPodAutoscaler, ref kube.ObjectRef, metricsServed bool) (kube.Finding, bool) {
	var ev []string
	msg := ""
	for _, c := range h.Status.Conditions {
		if c.Type == autoscalingv2.ScalingActive && c.Status == corev1.ConditionFalse &&
			strings.HasPrefix(c.Reason, "FailedGet") && strings.HasSuffix(c.Reason, "Metric") && !strings.Contains(c.Message, "missing request for") {
			msg = c.Message
			ev = append(ev, fmt.Sprintf("condition ScalingActive=False (%s): %s", c.Reason, c.Message))
		}
	}
	if !metricsServed {
		ev = append(ev, metricsGroupVersion+" is not served by the cluster: no metrics-server is installed")
	}
	if len(ev) == 0 {
		return kube.Finding{}, false
	}
	why := "the metrics it scales on cannot be read"
	if !metricsServed {
		why = "the cluster has no resource metrics API (metrics-server)"
	}
	if msg != "" {
		why += ": " + msg
	}
	return kube.Finding{
		Object: ref, Severity: kube.Warning, Reason: "HPAMetricsUnavailable",
		Message:  fmt.Sprintf("HorizontalPodAutoscaler %s cannot scale %s %s because %s", h.Name, strings.ToLower(h.Spec.ScaleTargetRef.Kind), h.Spec.ScaleTargetRef.Name, why),
		Evidence: ev,
		Docs:     "https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#support-for-resource-metrics",
		Fix:      "Install metrics-server for cpu/memory metrics (or the adapter serving custom.metrics.k8s.io / external.metrics.k8s.io for other metrics), then check kubectl top pods answers.",
	}, true
}
