package analyze

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/kubertnetes/kubertnetes/kube"
)

// nodeAnalyzer diagnoses nodes that cannot run pods (NotReady, under
// pressure, cordoned) and taints that keep pending pods off the only nodes
// they may run on.
//
// Nodes are cluster-wide; an analysis of one namespace reports only the
// nodes that namespace's pods run on or explicitly ask for (nodeName,
// nodeSelector, required node affinity), so that one namespace's report
// is not another team's node trouble.
type nodeAnalyzer struct{}

var _ Analyzer = nodeAnalyzer{}

const (
	nodeDocs = "https://kubernetes.io/docs/concepts/architecture/nodes/#condition"
	// systemTaintPrefix marks the taints Kubernetes itself sets to mirror a
	// node's conditions; they are reported as NodeNotReady, NodePressure or
	// NodeCordoned, not as UntoleratedTaint.
	systemTaintPrefix = "node.kubernetes.io/"
	// taintEvidencePods is how many pending pods a taint finding lists.
	taintEvidencePods = 5
)

func (nodeAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	nodes, err := src.Nodes(ctx)
	if skipForbidden(src, err, s) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	pods, err := src.Pods(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	rss, err := src.ReplicaSets(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	return checkNodes(nodes, pods, s.Namespace != "", replicaSetOwners(rss)), nil
}

// checkNodes is the pure rule. scoped says the pods are one namespace's:
// then only the nodes they use or ask for are judged.
func checkNodes(nodes []corev1.Node, pods []corev1.Pod, scoped bool, rsOwners map[string]string) []kube.Finding {
	var pending []*corev1.Pod
	used := map[string]bool{}
	for i := range pods {
		p := &pods[i]
		if p.Spec.NodeName != "" {
			used[p.Spec.NodeName] = true
		} else if unschedulableMessage(p) != "" {
			pending = append(pending, p)
		}
	}
	var out []kube.Finding
	for i := range nodes {
		n := &nodes[i]
		if scoped && !used[n.Name] && !askedFor(n, pending) {
			continue
		}
		out = append(out, checkNode(n)...)
	}
	return append(out, untoleratedTaints(nodes, pending, rsOwners)...)
}

// unschedulableMessage is the scheduler's reason a pod is Pending, or "".
func unschedulableMessage(p *corev1.Pod) string {
	if p.Status.Phase != corev1.PodPending || p.Spec.NodeName != "" {
		return ""
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return c.Message
		}
	}
	return ""
}

// targets reports whether pod explicitly selects node: it has a node
// selector or required affinity, and node meets it.
func targets(pod *corev1.Pod, node *corev1.Node) bool {
	if len(pod.Spec.NodeSelector) == 0 && (pod.Spec.Affinity == nil || pod.Spec.Affinity.NodeAffinity == nil || pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil) {
		return false
	}
	ok, err := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)
	return err == nil && ok
}

func askedFor(node *corev1.Node, pending []*corev1.Pod) bool {
	for _, p := range pending {
		if targets(p, node) {
			return true
		}
	}
	return false
}

// checkNode judges one node's conditions and spec.
func checkNode(n *corev1.Node) []kube.Finding {
	ref := kube.ObjectRef{Kind: "Node", Name: n.Name}
	taints := "taints: " + orNone(taintStrings(n.Spec.Taints))
	var out []kube.Finding
	conds := map[corev1.NodeConditionType]corev1.NodeCondition{}
	for _, c := range n.Status.Conditions {
		conds[c.Type] = c
	}
	if ready, ok := conds[corev1.NodeReady]; !ok {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "NodeNotReady",
			Message:  fmt.Sprintf("Node %s has no Ready condition: no kubelet has ever reported its status, so pods bound to it never start", n.Name),
			Evidence: []string{"condition Ready: missing", taints},
			Docs:     nodeDocs,
			Fix:      "Start (or join) the kubelet of this machine, or delete the Node object if the machine does not exist.",
		})
	} else if ready.Status != corev1.ConditionTrue {
		ev := []string{fmt.Sprintf("condition Ready=%s (%s): %s", ready.Status, ready.Reason, ready.Message)}
		if !ready.LastHeartbeatTime.IsZero() {
			ev = append(ev, "last heartbeat: "+ready.LastHeartbeatTime.UTC().Format("2006-01-02T15:04:05Z"))
		}
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "NodeNotReady",
			Message:  fmt.Sprintf("Node %s is NotReady (Ready=%s, %s): its pods do not run and will be evicted", n.Name, ready.Status, orNone(nonEmpty(ready.Reason))),
			Evidence: append(ev, taints),
			Docs:     nodeDocs,
			Fix:      "Check the node's kubelet and container runtime (journalctl -u kubelet on it), its network and whether the machine is up; drain it (kubectl drain " + n.Name + " --ignore-daemonsets) if it will not come back.",
		})
	}
	var pressure []string
	var ev []string
	for _, t := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		if c, ok := conds[t]; ok && c.Status == corev1.ConditionTrue {
			pressure = append(pressure, string(t))
			ev = append(ev, fmt.Sprintf("condition %s=True (%s): %s", t, c.Reason, c.Message))
		}
	}
	if len(pressure) > 0 {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "NodePressure",
			Message:  fmt.Sprintf("Node %s reports %s: the kubelet evicts pods and the scheduler avoids the node", n.Name, strings.Join(pressure, ", ")),
			Evidence: append(ev, taints),
			Docs:     "https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/",
			Fix:      "Free the resource on the node (memory: pods without limits; disk: images, logs, emptyDirs; PIDs: a process leaking threads), or move workloads elsewhere.",
		})
	}
	if c, ok := conds[corev1.NodeNetworkUnavailable]; ok && c.Status == corev1.ConditionTrue {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "NodeNetworkUnavailable",
			Message:  fmt.Sprintf("Node %s's network is not configured (NetworkUnavailable=True): pods there get no network", n.Name),
			Evidence: []string{fmt.Sprintf("condition NetworkUnavailable=True (%s): %s", c.Reason, c.Message), taints},
			Docs:     nodeDocs,
			Fix:      "Check the CNI plugin's pods on this node (kubectl get pods -A -o wide --field-selector spec.nodeName=" + n.Name + ").",
		})
	}
	if n.Spec.Unschedulable {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "NodeCordoned",
			Message:  fmt.Sprintf("Node %s is cordoned (spec.unschedulable): no new pod is scheduled on it", n.Name),
			Evidence: []string{"spec.unschedulable: true", taints},
			Docs:     "https://kubernetes.io/docs/concepts/architecture/nodes/#manual-node-administration",
			Fix:      fmt.Sprintf("When its maintenance is over: kubectl uncordon %s.", n.Name),
		})
	}
	return out
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func taintStrings(ts []corev1.Taint) []string {
	var out []string
	for i := range ts {
		out = append(out, ts[i].ToString())
	}
	return out
}

// untoleratedTaints names the taints that keep pending pods off every node
// they may run on: the scheduler says taints are (part of) why, every node
// that meets the pod's node selector and affinity has a NoSchedule or
// NoExecute taint the pod does not tolerate, and the taint is not one
// Kubernetes sets itself to mirror a condition. One finding per node and
// taint, naming the pods.
func untoleratedTaints(nodes []corev1.Node, pending []*corev1.Pod, rsOwners map[string]string) []kube.Finding {
	type key struct {
		node            string
		taintKey, value string
		effect          corev1.TaintEffect
	}
	blocked := map[key][]*corev1.Pod{}
	for _, p := range pending {
		if !strings.Contains(unschedulableMessage(p), "taint") {
			continue
		}
		hits := map[key]bool{}
		free := false
		candidates := 0
		for i := range nodes {
			n := &nodes[i]
			if ok, err := nodeaffinity.GetRequiredNodeAffinity(p).Match(n); err != nil || !ok {
				continue
			}
			candidates++
			var untolerated []corev1.Taint
			for _, t := range n.Spec.Taints {
				if t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute {
					continue
				}
				if !tolerated(p.Spec.Tolerations, &t) {
					untolerated = append(untolerated, t)
				}
			}
			if len(untolerated) == 0 {
				free = true
				break
			}
			for _, t := range untolerated {
				if !strings.HasPrefix(t.Key, systemTaintPrefix) {
					hits[key{n.Name, t.Key, t.Value, t.Effect}] = true
				}
			}
		}
		if free || candidates == 0 {
			continue
		}
		for k := range hits {
			blocked[k] = append(blocked[k], p)
		}
	}
	keys := make([]key, 0, len(blocked))
	for k := range blocked {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].node != keys[j].node {
			return keys[i].node < keys[j].node
		}
		return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j])
	})
	var out []kube.Finding
	for _, k := range keys {
		out = append(out, taintFinding(k.node, corev1.Taint{Key: k.taintKey, Value: k.value, Effect: k.effect}, blocked[k], rsOwners))
	}
	return out
}

func tolerated(tols []corev1.Toleration, t *corev1.Taint) bool {
	for i := range tols {
		if tols[i].ToleratesTaint(klog.Background(), t, true) {
			return true
		}
	}
	return false
}

func taintFinding(node string, t corev1.Taint, pods []*corev1.Pod, rsOwners map[string]string) kube.Finding {
	sort.Slice(pods, func(i, j int) bool { return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name })
	var names []string
	taint := t.ToString()
	ev := []string{"taint: " + taint}
	var owner *kube.ObjectRef
	for i, p := range pods {
		names = append(names, p.Namespace+"/"+p.Name)
		if i < taintEvidencePods {
			ev = append(ev, fmt.Sprintf("pod %s/%s Pending: %s", p.Namespace, p.Name, unschedulableMessage(p)))
		}
		o := podOwner(p, rsOwners)
		switch {
		case i == 0:
			owner = o
		case owner != nil && (o == nil || *o != *owner):
			owner = nil
		}
	}
	if len(pods) > taintEvidencePods {
		ev = append(ev, fmt.Sprintf("… and %d more pod(s)", len(pods)-taintEvidencePods))
	}
	if len(names) > taintEvidencePods {
		names = append(names[:taintEvidencePods], "…")
	}
	return kube.Finding{
		Object: kube.ObjectRef{Kind: "Node", Name: node}, Severity: kube.Warning, Reason: "UntoleratedTaint", Owner: owner,
		Message:  fmt.Sprintf("Node %s has taint %s, which %d pending pod(s) (%s) do not tolerate, and no node they may run on is free of such taints, so they stay Pending", node, taint, len(pods), strings.Join(names, ", ")),
		Evidence: ev,
		Docs:     "https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/",
		Fix:      fmt.Sprintf("If the pods belong on %s, add to their pod template tolerations: [%s]; if the taint is stale, remove it: kubectl taint nodes %s %s-.", node, tolerationText(t), node, taint),
	}
}

// tolerationText is the toleration of t in YAML flow style.
func tolerationText(t corev1.Taint) string {
	if t.Value == "" {
		return fmt.Sprintf("{key: %s, operator: Exists, effect: %s}", t.Key, t.Effect)
	}
	return fmt.Sprintf("{key: %s, operator: Equal, value: %s, effect: %s}", t.Key, t.Value, t.Effect)
}
