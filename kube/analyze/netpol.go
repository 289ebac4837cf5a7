package analyze

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubertnetes/kubertnetes/kube"
)

// netpolAnalyzer finds NetworkPolicies that select no pod (their rules
// apply to nothing, often a label typo) and policies that cut a Service off:
// they select its pods for ingress and no rule admits its clients.
type netpolAnalyzer struct{}

var _ Analyzer = netpolAnalyzer{}

func (netpolAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	pols, err := src.NetworkPolicies(ctx, s.Namespace)
	if err != nil || len(pols) == 0 {
		return nil, err
	}
	pods, err := src.Pods(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	svcs, err := src.Services(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	type nsObjects struct {
		pols []networkingv1.NetworkPolicy
		pods []corev1.Pod
		svcs []corev1.Service
	}
	byNS := map[string]*nsObjects{}
	for _, p := range pols {
		if byNS[p.Namespace] == nil {
			byNS[p.Namespace] = &nsObjects{}
		}
		byNS[p.Namespace].pols = append(byNS[p.Namespace].pols, p)
	}
	podsByNS := byNamespace(pods, namespaceOf[corev1.Pod])
	for ns, o := range byNS {
		o.pods = servingCandidates(podsByNS[ns])
	}
	for _, sv := range svcs {
		if o := byNS[sv.Namespace]; o != nil {
			o.svcs = append(o.svcs, sv)
		}
	}
	var out []kube.Finding
	for _, o := range byNS {
		out = append(out, checkNetworkPolicies(o.pols, o.pods, o.svcs)...)
	}
	return out, nil
}

// checkNetworkPolicies is the pure rule over one namespace's policies,
// (running) pods and Services.
func checkNetworkPolicies(pols []networkingv1.NetworkPolicy, pods []corev1.Pod, svcs []corev1.Service) []kube.Finding {
	var out []kube.Finding
	selected := make([][]*corev1.Pod, len(pols)) // the pods each policy selects
	for i := range pols {
		p := &pols[i]
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err != nil {
			continue
		}
		for j := range pods {
			if sel.Matches(labels.Set(pods[j].Labels)) {
				selected[i] = append(selected[i], &pods[j])
			}
		}
		if len(selected[i]) == 0 && !sel.Empty() {
			out = append(out, selectsNothing(p, sel, pods))
		}
	}
	for si := range svcs {
		sv := &svcs[si]
		if len(sv.Spec.Selector) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(sv.Spec.Selector)
		var backing []*corev1.Pod
		for j := range pods {
			if sel.Matches(labels.Set(pods[j].Labels)) {
				backing = append(backing, &pods[j])
			}
		}
		isolating, ok := isolatingPolicies(pols, selected, backing, sv, pods)
		if !ok {
			continue
		}
		for _, i := range isolating {
			out = append(out, isolatesService(&pols[i], isolating, pols, sv, backing))
		}
	}
	return out
}

// isolatingPolicies returns the ingress policies selecting a Service's
// pods when, together, they admit no client to any of its ports on any of
// them: every pod is selected, and no rule admits traffic from anywhere,
// from another namespace or from a pod that exists.
func isolatingPolicies(pols []networkingv1.NetworkPolicy, selected [][]*corev1.Pod, backing []*corev1.Pod, sv *corev1.Service, pods []corev1.Pod) ([]int, bool) {
	if len(backing) == 0 {
		return nil, false
	}
	seen := map[int]bool{}
	var out []int
	for _, pod := range backing {
		isolated := false
		for i := range pols {
			if !hasIngress(&pols[i]) || !containsPod(selected[i], pod) {
				continue
			}
			isolated = true
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
			for _, rule := range pols[i].Spec.Ingress {
				if admitsService(rule, sv, pod, pods) {
					return nil, false
				}
			}
		}
		if !isolated {
			return nil, false
		}
	}
	sort.Ints(out)
	return out, true
}

func hasIngress(p *networkingv1.NetworkPolicy) bool {
	if len(p.Spec.PolicyTypes) == 0 {
		return true // Ingress is implied
	}
	for _, t := range p.Spec.PolicyTypes {
		if t == networkingv1.PolicyTypeIngress {
			return true
		}
	}
	return false
}

func containsPod(ps []*corev1.Pod, p *corev1.Pod) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// admitsService reports whether rule lets some client reach one of the
// Service's ports on pod.
func admitsService(rule networkingv1.NetworkPolicyIngressRule, sv *corev1.Service, pod *corev1.Pod, pods []corev1.Pod) bool {
	portOK := len(rule.Ports) == 0
	for _, rp := range rule.Ports {
		for _, sp := range sv.Spec.Ports {
			portOK = portOK || portAdmits(rp, sp, pod)
		}
	}
	if !portOK {
		return false
	}
	if len(rule.From) == 0 {
		return true
	}
	for _, peer := range rule.From {
		if peer.IPBlock != nil || peer.NamespaceSelector != nil {
			return true // clients elsewhere: not ours to enumerate
		}
		if peer.PodSelector == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
		if err != nil {
			continue
		}
		for j := range pods {
			if sel.Matches(labels.Set(pods[j].Labels)) {
				return true
			}
		}
	}
	return false
}

// portAdmits reports whether a policy port covers a Service port's target
// on pod, resolving named ports through the pod's containers.
func portAdmits(rp networkingv1.NetworkPolicyPort, sp corev1.ServicePort, pod *corev1.Pod) bool {
	proto, sproto := corev1.ProtocolTCP, sp.Protocol
	if rp.Protocol != nil {
		proto = *rp.Protocol
	}
	if sproto == "" {
		sproto = corev1.ProtocolTCP
	}
	if proto != sproto {
		return false
	}
	if rp.Port == nil {
		return true
	}
	target := sp.TargetPort
	if target.Type == intstr.Int && target.IntVal == 0 {
		target = intstr.FromInt32(sp.Port)
	}
	tn, rn := resolvePort(target, pod), resolvePort(*rp.Port, pod)
	if tn < 0 || rn < 0 {
		return target.Type == intstr.String && rp.Port.Type == intstr.String && target.StrVal == rp.Port.StrVal
	}
	if rp.EndPort != nil {
		return tn >= rn && tn <= *rp.EndPort
	}
	return tn == rn
}

// resolvePort is a port's number, a named one looked up in pod's
// containers; -1 when the name is not declared.
func resolvePort(p intstr.IntOrString, pod *corev1.Pod) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, c := range pod.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == p.StrVal {
				return cp.ContainerPort
			}
		}
	}
	return -1
}

func selectsNothing(p *networkingv1.NetworkPolicy, sel labels.Selector, pods []corev1.Pod) kube.Finding {
	ev := []string{"podSelector: " + sel.String(), fmt.Sprintf("running pods in namespace %s: %d", p.Namespace, len(pods))}
	sev := kube.Info
	// Near misses: pods with the selector's keys but other values.
	reqs, _ := sel.Requirements()
	near := map[string]int{}
	for _, req := range reqs {
		for _, pod := range pods {
			if v, ok := pod.Labels[req.Key()]; ok && !req.Matches(labels.Set(pod.Labels)) {
				near[req.Key()+"="+v]++
			}
		}
	}
	keys := make([]string, 0, len(near))
	for k := range near {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ev = append(ev, fmt.Sprintf("near miss: %d pod(s) labelled %s", near[k], k))
		sev = kube.Warning
	}
	return kube.Finding{
		Object:   kube.ObjectRef{Kind: "NetworkPolicy", Namespace: p.Namespace, Name: p.Name},
		Severity: sev, Reason: "NetworkPolicySelectsNothing",
		Message:  fmt.Sprintf("NetworkPolicy %s selects no pod (podSelector %s): its rules apply to nothing", p.Name, sel.String()),
		Evidence: ev,
		Docs:     "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
		Fix:      "Correct spec.podSelector to the labels of the pods it should govern (kubectl get pods --show-labels), or delete the policy if they are gone.",
	}
}

func isolatesService(p *networkingv1.NetworkPolicy, isolating []int, pols []networkingv1.NetworkPolicy, sv *corev1.Service, backing []*corev1.Pod) kube.Finding {
	var names, ports []string
	for _, i := range isolating {
		names = append(names, pols[i].Name)
	}
	for _, sp := range sv.Spec.Ports {
		ports = append(ports, fmt.Sprintf("%d→%s", sp.Port, sp.TargetPort.String()))
	}
	rules := "no ingress rules (deny all)"
	if n := len(p.Spec.Ingress); n > 0 {
		rules = fmt.Sprintf("%d ingress rule(s), none admitting an existing client on the Service's ports", n)
	}
	others := ""
	if len(names) > 1 {
		others = " (nor do the other policies selecting them: " + strings.Join(names, ", ") + ")"
	}
	return kube.Finding{
		Object:   kube.ObjectRef{Kind: "NetworkPolicy", Namespace: p.Namespace, Name: p.Name},
		Severity: kube.Warning, Reason: "NetworkPolicyIsolatesService",
		Message: fmt.Sprintf("NetworkPolicy %s cuts Service %s off: it selects %s for ingress and none of its rules admits traffic from any pod, namespace or address to the Service's ports%s",
			p.Name, sv.Name, podCount(len(backing)), others),
		Evidence: []string{
			fmt.Sprintf("service %s: selector %s, ports %s", sv.Name, labels.SelectorFromSet(sv.Spec.Selector).String(), strings.Join(ports, ", ")),
			fmt.Sprintf("policy %s: podSelector %s, %s", p.Name, metav1.FormatLabelSelector(&p.Spec.PodSelector), rules),
			"policies selecting the Service's pods for ingress: " + strings.Join(names, ", "),
		},
		Docs: "https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-deny-all-ingress-traffic",
		Fix:  fmt.Sprintf("Add an ingress rule admitting Service %s's clients (from their pod labels or namespace) on its target ports, or narrow the policy's podSelector.", sv.Name),
	}
}

func podCount(n int) string {
	if n == 1 {
		return "the Service's pod"
	}
	return fmt.Sprintf("all %d of the Service's pods", n)
}
