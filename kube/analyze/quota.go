package analyze

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// quotaAnalyzer finds ResourceQuotas that are used up, and the workloads
// whose pods (or other objects) they refuse.
type quotaAnalyzer struct{}

var _ Analyzer = quotaAnalyzer{}

// blockedWorkload is a workload a quota refused, and the refusal.
type blockedWorkload struct {
	Workload kube.ObjectRef
	Message  string
}

func (quotaAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	quotas, err := src.ResourceQuotas(ctx, s.Namespace)
	if err != nil || len(quotas) == 0 {
		return nil, err
	}
	evs, err := src.EventsWithReason(ctx, s.Namespace, "FailedCreate")
	if err != nil {
		return nil, err
	}
	var rsOwners map[string]string
	var out []kube.Finding
	for i := range quotas {
		q := &quotas[i]
		var blocked []blockedWorkload
		seen := map[kube.ObjectRef]bool{}
		for _, e := range evs {
			if e.Namespace != q.Namespace || !refusedBy(e.Message, q.Name) {
				continue
			}
			w := kube.ObjectRef{Kind: e.InvolvedObject.Kind, Namespace: e.Namespace, Name: e.InvolvedObject.Name}
			if w.Kind == "ReplicaSet" {
				if rsOwners == nil {
					rss, err := src.ReplicaSets(ctx, s.Namespace)
					if err != nil {
						return nil, err
					}
					rsOwners = replicaSetOwners(rss)
				}
				if d, ok := rsOwners[w.Namespace+"/"+w.Name]; ok {
					w = kube.ObjectRef{Kind: "Deployment", Namespace: w.Namespace, Name: d}
				}
			}
			if !seen[w] {
				seen[w] = true
				blocked = append(blocked, blockedWorkload{Workload: w, Message: e.Message})
			}
		}
		if f, ok := checkQuota(q, blocked); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// refusedBy reports whether an admission refusal names quota.
func refusedBy(msg, quota string) bool {
	return strings.Contains(msg, "exceeded quota: "+quota+",") || strings.Contains(msg, "status unknown for quota: "+quota+",")
}

// checkQuota is the pure rule: a quota with a resource whose use reached
// its hard limit. A limit of 0 is a policy ("no LoadBalancer Services
// here"), reported only when it refused something.
func checkQuota(q *corev1.ResourceQuota, blocked []blockedWorkload) (kube.Finding, bool) {
	names := make([]string, 0, len(q.Status.Hard))
	for n := range q.Status.Hard {
		names = append(names, string(n))
	}
	sort.Strings(names)
	var full, ev []string
	for _, n := range names {
		hard := q.Status.Hard[corev1.ResourceName(n)]
		used, ok := q.Status.Used[corev1.ResourceName(n)]
		if !ok || used.Cmp(hard) < 0 || (hard.IsZero() && len(blocked) == 0) {
			continue
		}
		full = append(full, fmt.Sprintf("%s (%s of %s)", n, used.String(), hard.String()))
		ev = append(ev, fmt.Sprintf("%s: used %s, hard %s", n, used.String(), hard.String()))
	}
	if len(full) == 0 {
		return kube.Finding{}, false
	}
	var workloads []string
	for _, b := range blocked {
		workloads = append(workloads, strings.ToLower(b.Workload.Kind)+"/"+b.Workload.Name)
		ev = append(ev, fmt.Sprintf("refused %s: %s", strings.ToLower(b.Workload.Kind)+"/"+b.Workload.Name, strings.TrimPrefix(b.Message, "Error creating: ")))
	}
	msg := fmt.Sprintf("ResourceQuota %s is used up for %s: new objects that need more are refused", q.Name, strings.Join(full, ", "))
	if len(workloads) > 0 {
		msg = fmt.Sprintf("ResourceQuota %s is used up for %s and refuses %s", q.Name, strings.Join(full, ", "), strings.Join(workloads, ", "))
	}
	return kube.Finding{
		Object:   kube.ObjectRef{Kind: "ResourceQuota", Namespace: q.Namespace, Name: q.Name},
		Severity: kube.Warning, Reason: "QuotaExhausted", Message: msg, Evidence: ev,
		Docs: "https://kubernetes.io/docs/concepts/policy/resource-quotas/",
		Fix:  fmt.Sprintf("Raise the hard limit of ResourceQuota %s (a decision for whoever owns the namespace's budget), or free capacity: scale down or delete what uses it.", q.Name),
	}, true
}
