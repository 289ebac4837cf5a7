package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubertnetes/kubertnetes/kube"
)

// serviceAnalyzer diagnoses Services that route nowhere: a selector that
// matches no pod, a targetPort no selected pod exposes, or selected pods
// none of which is ready.
type serviceAnalyzer struct{}

var _ Analyzer = serviceAnalyzer{}

const serviceDocs = "https://kubernetes.io/docs/tasks/debug/debug-application/debug-service/"

func (serviceAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	svcs, err := src.Services(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	if len(svcs) == 0 {
		return nil, nil
	}
	pods, err := src.Pods(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	slices, err := src.EndpointSlices(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	rss, err := src.ReplicaSets(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	podsByNS := byNamespace(servingCandidates(pods), namespaceOf[corev1.Pod])
	slicesBySvc := map[string][]discoveryv1.EndpointSlice{}
	for _, sl := range slices {
		key := sl.Namespace + "/" + sl.Labels[discoveryv1.LabelServiceName]
		slicesBySvc[key] = append(slicesBySvc[key], sl)
	}
	owners := replicaSetOwners(rss)
	var out []kube.Finding
	for i := range svcs {
		svc := &svcs[i]
		out = append(out, checkService(svc, podsByNS[svc.Namespace], slicesBySvc[svc.Namespace+"/"+svc.Name], owners)...)
	}
	return out, nil
}

// checkService is the pure rule for one Service, given the pods of its
// namespace, its EndpointSlices and the ReplicaSets' Deployments.
func checkService(svc *corev1.Service, pods []corev1.Pod, slices []discoveryv1.EndpointSlice, rsOwners map[string]string) []kube.Finding {
	if len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil // endpoints are managed by hand, or there are none by design
	}
	live := servingCandidates(pods)
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	var selected []corev1.Pod
	for _, p := range live {
		if sel.Matches(labels.Set(p.Labels)) {
			selected = append(selected, p)
		}
	}
	if len(selected) == 0 {
		return []kube.Finding{selectorFinding(svc, live)}
	}
	if f, ok := targetPortFinding(svc, selected); ok {
		return []kube.Finding{f}
	}
	if readyEndpoints(slices) > 0 {
		return nil
	}
	for i := range selected {
		if kube.PodReady(&selected[i]) {
			return nil // the EndpointSlice controller has not caught up yet
		}
	}
	return []kube.Finding{noEndpointsFinding(svc, selected, rsOwners)}
}

// servingCandidates are the pods a Service could send traffic to: not
// finished and not being deleted. It returns pods itself, without copying,
// when all of them are candidates (Analyze filters each namespace once, so
// the per-Service call is then free).
func servingCandidates(pods []corev1.Pod) []corev1.Pod {
	serving := func(p *corev1.Pod) bool {
		return p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
	}
	all := true
	for i := range pods {
		if !serving(&pods[i]) {
			all = false
			break
		}
	}
	if all {
		return pods
	}
	var out []corev1.Pod
	for i := range pods {
		if serving(&pods[i]) {
			out = append(out, pods[i])
		}
	}
	return out
}

func readyEndpoints(slices []discoveryv1.EndpointSlice) int {
	n := 0
	for _, s := range slices {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				n += len(e.Addresses)
			}
		}
	}
	return n
}

func selectorText(sel map[string]string) string {
	return labels.SelectorFromSet(sel).String()
}

// selectorFinding explains a selector that matches no pod, naming the
// labels that pods do have for the keys that miss, and proposes the
// correction when exactly one label is a clear near miss.
func selectorFinding(svc *corev1.Service, pods []corev1.Pod) kube.Finding {
	f := kube.Finding{
		Object: kube.ObjectRef{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name}, Severity: kube.Warning,
		Reason:   "ServiceSelectorMatchesNothing",
		Message:  fmt.Sprintf("Service %s selects pods with %s, but no pod in namespace %s has these labels, so it has no endpoints and every connection to it fails", svc.Name, selectorText(svc.Spec.Selector), svc.Namespace),
		Evidence: []string{"selector: " + selectorText(svc.Spec.Selector)},
		Docs:     serviceDocs,
		Fix:      "Make the Service's selector match the labels of the pods it should serve (their pod template's labels), or fix the pods' labels.",
	}
	if len(pods) == 0 {
		f.Evidence = append(f.Evidence, "pods in "+svc.Namespace+": none")
		return f
	}
	values := map[string]map[string]int{} // label key -> value -> pods
	for _, p := range pods {
		for k, v := range p.Labels {
			if values[k] == nil {
				values[k] = map[string]int{}
			}
			values[k][v]++
		}
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var misses []string
	for _, k := range orderedKeys(svc.Spec.Selector) {
		if values[k][svc.Spec.Selector[k]] == 0 {
			misses = append(misses, k)
		}
	}
	for _, k := range misses {
		if len(values[k]) == 0 {
			f.Evidence = append(f.Evidence, fmt.Sprintf("no pod in %s has a label %q; label keys on its pods: %s", svc.Namespace, k, strings.Join(keys, ", ")))
			continue
		}
		f.Evidence = append(f.Evidence, fmt.Sprintf("pods in %s labelled %s", svc.Namespace, labelValueCounts(k, values[k])))
	}
	if len(misses) == 0 {
		f.Evidence = append(f.Evidence, "each label of the selector is on some pod, but no pod has all of them")
		return f
	}
	if len(misses) != 1 {
		return f
	}
	// One label misses: a clear near miss of its value, or of its key
	// with the same value, is the proposed correction.
	k, v := misses[0], svc.Spec.Selector[misses[0]]
	fixed, patch := maps.Clone(svc.Spec.Selector), map[string]any{}
	var withValue []string
	for _, key := range keys {
		if values[key][v] > 0 {
			withValue = append(withValue, key)
		}
	}
	if near := nearMiss(v, orderedKeys(values[k])); near != "" {
		fixed[k], patch[k] = near, near
	} else if near := nearMiss(k, withValue); len(values[k]) == 0 && near != "" {
		delete(fixed, k)
		fixed[near], patch[k], patch[near] = v, nil, v
	} else {
		return f
	}
	n := 0
	for _, p := range pods {
		if labels.SelectorFromSet(fixed).Matches(labels.Set(p.Labels)) {
			n++
		}
	}
	if n == 0 {
		return f
	}
	f.Evidence = append(f.Evidence, fmt.Sprintf("near miss: %s selects %d pod(s)", selectorText(fixed), n))
	doc, _ := json.Marshal(map[string]any{"spec": map[string]any{"selector": patch}})
	f.Fix = fmt.Sprintf("Set the Service's selector to %s (it selects %d pod(s)).", selectorText(fixed), n)
	f.Proposal = &kube.Fix{
		Target: kube.Target{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name}, Operation: kube.OpMergePatch, Patch: doc,
		Rationale: fmt.Sprintf("Service %s selects %s, which no pod has; %s selects %d pod(s).", svc.Name, selectorText(svc.Spec.Selector), selectorText(fixed), n),
		Risk:      "Traffic to the Service goes to the newly selected pods at once: check they are the backend it is meant for.",
		Expected:  fmt.Sprintf("Service %s has ready endpoints", svc.Name),
	}
	return f
}

func labelValueCounts(key string, counts map[string]int) string {
	var parts []string
	for _, v := range orderedKeys(counts) {
		parts = append(parts, fmt.Sprintf("%s=%s (%d)", key, v, counts[v]))
	}
	return strings.Join(parts, ", ")
}

func orderedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// noEndpointsFinding explains a Service whose selected pods are all not
// ready, with each pod's state, and names their workload as the owner.
func noEndpointsFinding(svc *corev1.Service, selected []corev1.Pod, rsOwners map[string]string) kube.Finding {
	ev := []string{"selector: " + selectorText(svc.Spec.Selector), fmt.Sprintf("endpoints: 0 ready, %d pod(s) selected", len(selected))}
	sort.Slice(selected, func(i, j int) bool { return selected[i].Name < selected[j].Name })
	var owner *kube.ObjectRef
	for i := range selected {
		p := &selected[i]
		if i < 5 {
			ev = append(ev, fmt.Sprintf("pod %s: %s", p.Name, notReadyWhy(p)))
		}
		o := podOwner(p, rsOwners)
		switch {
		case i == 0:
			owner = o
		case owner != nil && (o == nil || *o != *owner):
			owner = nil
		}
	}
	if len(selected) > 5 {
		ev = append(ev, fmt.Sprintf("… and %d more pod(s)", len(selected)-5))
	}
	return kube.Finding{
		Object: kube.ObjectRef{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name}, Severity: kube.Warning,
		Reason:   "ServiceNoEndpoints",
		Message:  fmt.Sprintf("Service %s has no ready endpoints: none of the %d pod(s) it selects is ready, so connections to it fail", svc.Name, len(selected)),
		Evidence: ev, Owner: owner,
		Docs: serviceDocs,
		Fix:  "Find out why the selected pods are not ready (see the findings on them: crashes, failing readiness probes, pending scheduling) and fix that.",
	}
}

// notReadyWhy says in a few words why a pod is not ready.
func notReadyWhy(p *corev1.Pod) string {
	parts := []string{"phase " + string(p.Status.Phase)}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status != corev1.ConditionTrue && c.Reason != "" {
			parts = append(parts, "Ready="+string(c.Status)+" ("+c.Reason+")")
		}
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			parts = append(parts, "not scheduled: "+c.Message)
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil {
			parts = append(parts, fmt.Sprintf("container %s waiting: %s", cs.Name, w.Reason))
		} else if !cs.Ready {
			parts = append(parts, fmt.Sprintf("container %s not ready", cs.Name))
		}
	}
	return strings.Join(parts, ", ")
}
