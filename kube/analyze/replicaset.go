package analyze

import (
	"context"
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// replicaSetAnalyzer finds ReplicaSets whose pods the API server refuses to
// create: an exhausted ResourceQuota, a LimitRange, Pod Security or another
// admission controller saying no. The pods never exist, so no pod shows the
// fault; only the ReplicaSet's condition and events do.
type replicaSetAnalyzer struct{}

var _ Analyzer = replicaSetAnalyzer{}

func (replicaSetAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	rss, err := src.ReplicaSets(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	var short []*appsv1.ReplicaSet
	for i := range rss {
		if rs := &rss[i]; rs.Status.Replicas < desiredReplicas(rs) || replicaFailure(rs) != nil {
			short = append(short, rs)
		}
	}
	if len(short) == 0 {
		return nil, nil
	}
	evs, err := src.EventsWithReason(ctx, s.Namespace, "FailedCreate")
	if err != nil {
		return nil, err
	}
	byObject := eventsByObject(evs, "ReplicaSet")
	var out []kube.Finding
	for _, rs := range short {
		if f, ok := checkReplicaSet(rs, byObject[rs.Namespace+"/"+rs.Name]); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

func desiredReplicas(rs *appsv1.ReplicaSet) int32 {
	if rs.Spec.Replicas == nil {
		return 1
	}
	return *rs.Spec.Replicas
}

func replicaFailure(rs *appsv1.ReplicaSet) *appsv1.ReplicaSetCondition {
	for i, c := range rs.Status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
			return &rs.Status.Conditions[i]
		}
	}
	return nil
}

// eventsByObject groups events about objects of kind by namespace/name,
// newest first.
func eventsByObject(evs []corev1.Event, kind string) map[string][]corev1.Event {
	out := map[string][]corev1.Event{}
	for _, e := range evs {
		if e.InvolvedObject.Kind == kind {
			k := e.Namespace + "/" + e.InvolvedObject.Name
			out[k] = append(out[k], e)
		}
	}
	for _, l := range out {
		sort.SliceStable(l, func(i, j int) bool { return kube.EventTime(l[j]).Before(kube.EventTime(l[i])) })
	}
	return out
}

// checkReplicaSet is the pure rule: a ReplicaSet short of replicas whose
// pods were refused (its ReplicaFailure condition, or FailedCreate events
// while it is short). failed are its FailedCreate events, newest first.
func checkReplicaSet(rs *appsv1.ReplicaSet, failed []corev1.Event) (kube.Finding, bool) {
	want := desiredReplicas(rs)
	cond := replicaFailure(rs)
	if want == 0 || (cond == nil && (len(failed) == 0 || rs.Status.Replicas >= want)) {
		return kube.Finding{}, false
	}
	var ev []string
	refusal := ""
	if cond != nil {
		refusal = cond.Message
		ev = append(ev, fmt.Sprintf("condition ReplicaFailure=True (%s): %s", cond.Reason, cond.Message))
	}
	seen := map[string]bool{}
	for _, e := range failed {
		if seen[e.Message] || len(seen) == 3 {
			continue
		}
		seen[e.Message] = true
		if refusal == "" {
			refusal = e.Message
		}
		ev = append(ev, fmt.Sprintf("event FailedCreate (×%d): %s", max(e.Count, 1), e.Message))
	}
	ev = append(ev, fmt.Sprintf("replicas: %d desired, %d created", want, rs.Status.Replicas))
	sev := kube.Warning
	if rs.Status.Replicas == 0 {
		sev = kube.Critical
	}
	docs, fix := failedCreateAdvice(refusal)
	f := kube.Finding{
		Object:   kube.ObjectRef{Kind: "ReplicaSet", Namespace: rs.Namespace, Name: rs.Name},
		Severity: sev, Reason: "ReplicaSetFailedCreate",
		Message:  fmt.Sprintf("ReplicaSet %s has %d of %d pods: the API server refuses to create %s: %s", rs.Name, rs.Status.Replicas, want, map[bool]string{true: "them", false: "the others"}[rs.Status.Replicas == 0], strings.TrimPrefix(refusal, "Error creating: ")),
		Evidence: ev, Docs: docs, Fix: fix,
	}
	for _, o := range rs.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			f.Owner = &kube.ObjectRef{Kind: o.Kind, Namespace: rs.Namespace, Name: o.Name}
		}
	}
	return f, true
}

// failedCreateAdvice picks the docs and fix hint for a pod refusal.
func failedCreateAdvice(msg string) (docs, fix string) {
	switch {
	case strings.Contains(msg, "exceeded quota"), strings.Contains(msg, "status unknown for quota"):
		return "https://kubernetes.io/docs/concepts/policy/resource-quotas/",
			"The namespace's ResourceQuota is used up: raise its hard limit, free capacity (scale down or delete other workloads), or lower this workload's replicas or requests."
	case strings.Contains(msg, "must specify"):
		return "https://kubernetes.io/docs/concepts/policy/resource-quotas/#requests-vs-limits",
			"A ResourceQuota on requests/limits requires every container to set them: add resources.requests and resources.limits to the pod template."
	case strings.Contains(msg, "LimitRange"), strings.Contains(msg, "maximum"), strings.Contains(msg, "minimum"):
		return "https://kubernetes.io/docs/concepts/policy/limit-range/",
			"The namespace's LimitRange refuses the pod template's resources: bring the containers' requests and limits within its bounds."
	case strings.Contains(msg, "PodSecurity"):
		return "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
			"The pod template violates the namespace's Pod Security level: change the securityContext settings the refusal names."
	case strings.Contains(msg, "serviceaccount"):
		return "https://kubernetes.io/docs/concepts/security/service-accounts/",
			"Create the ServiceAccount the pod template names, or correct spec.serviceAccountName."
	}
	return "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/",
		"Read the refusal: an admission controller or the API server rejects the pod template; change the template (or the policy) it names."
}
