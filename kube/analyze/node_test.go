package analyze

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

func nodeTestNode(name string, mutate ...func(*corev1.Node)) corev1.Node {
	n := corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"}}},
	}
	for _, m := range mutate {
		m(&n)
	}
	return n
}

func nodeCond(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) func(*corev1.Node) {
	return func(n *corev1.Node) {
		for i := range n.Status.Conditions {
			if n.Status.Conditions[i].Type == t {
				n.Status.Conditions[i] = corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg}
				return
			}
		}
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg})
	}
}

func nodeTaint(key, value string, effect corev1.TaintEffect) func(*corev1.Node) {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	}
}

// pendingPod is a pod of namespace shop the scheduler could not place.
func nodePendingPod(name, message string, nodeSelector map[string]string, tols ...corev1.Toleration) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
		Spec:       corev1.PodSpec{NodeSelector: nodeSelector, Tolerations: tols},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: message,
		}}},
	}
}

func nodeRunningOn(name, node string) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}, Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
}

func TestCheckNodes(t *testing.T) {
	const taintMsg = "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) didn't match Pod's node affinity/selector."
	gpu := nodeTestNode("gpu-1", nodeTaint("dedicated", "gpu", corev1.TaintEffectNoSchedule))
	plain := nodeTestNode("node-1")
	onGPU := map[string]string{"kubernetes.io/hostname": "gpu-1"}
	tests := []struct {
		name   string
		nodes  []corev1.Node
		pods   []corev1.Pod
		scoped bool
		want   []string // "reason node"
		// evidence lines some finding must have
		evidence []string
	}{
		{name: "healthy", nodes: []corev1.Node{plain}},
		{
			name:     "not ready with reason",
			nodes:    []corev1.Node{nodeTestNode("n", nodeCond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", "container runtime network not ready"))},
			want:     []string{"NodeNotReady n"},
			evidence: []string{"condition Ready=False (KubeletNotReady): container runtime network not ready", "taints: none"},
		},
		{
			name: "never reported",
			nodes: []corev1.Node{nodeTestNode("n", func(n *corev1.Node) {
				n.Status.Conditions = nil
				n.Spec.Taints = []corev1.Taint{{Key: "node.kubernetes.io/not-ready", Effect: corev1.TaintEffectNoSchedule}}
			})},
			want:     []string{"NodeNotReady n"},
			evidence: []string{"condition Ready: missing", "taints: node.kubernetes.io/not-ready:NoSchedule"},
		},
		{
			name: "pressure and network",
			nodes: []corev1.Node{nodeTestNode("n",
				nodeCond(corev1.NodeMemoryPressure, corev1.ConditionTrue, "KubeletHasInsufficientMemory", "low memory"),
				nodeCond(corev1.NodeDiskPressure, corev1.ConditionTrue, "KubeletHasDiskPressure", "disk full"),
				nodeCond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", ""),
				nodeCond(corev1.NodeNetworkUnavailable, corev1.ConditionTrue, "NoRouteCreated", "no route"))},
			want:     []string{"NodePressure n", "NodeNetworkUnavailable n"},
			evidence: []string{"condition MemoryPressure=True (KubeletHasInsufficientMemory): low memory", "condition DiskPressure=True (KubeletHasDiskPressure): disk full"},
		},
		{
			name:     "cordoned",
			nodes:    []corev1.Node{nodeTestNode("n", func(n *corev1.Node) { n.Spec.Unschedulable = true })},
			want:     []string{"NodeCordoned n"},
			evidence: []string{"spec.unschedulable: true"},
		},
		{
			name:  "scoped: a node no pod of the namespace uses is not reported",
			nodes: []corev1.Node{nodeTestNode("n", func(n *corev1.Node) { n.Spec.Unschedulable = true }), plain},
			pods:  []corev1.Pod{nodeRunningOn("web", "node-1"), nodePendingPod("any", "0/2 nodes are available: 1 Insufficient cpu", nil)}, scoped: true,
		},
		{
			name:  "scoped: the node a pod runs on is reported",
			nodes: []corev1.Node{nodeTestNode("n", nodeCond(corev1.NodeReady, corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."))},
			pods:  []corev1.Pod{nodeRunningOn("web", "n")}, scoped: true,
			want: []string{"NodeNotReady n"},
		},
		{
			name:  "scoped: the node a pending pod selects is reported",
			nodes: []corev1.Node{nodeTestNode("gpu-1", func(n *corev1.Node) { n.Spec.Unschedulable = true }), plain},
			pods:  []corev1.Pod{nodePendingPod("train", "0/2 nodes are available: 1 node(s) were unschedulable", onGPU)}, scoped: true,
			want: []string{"NodeCordoned gpu-1"},
		},
		{
			name:  "untolerated taint on the only node the pod selects",
			nodes: []corev1.Node{gpu, plain},
			pods:  []corev1.Pod{nodePendingPod("train-2", taintMsg, onGPU), nodePendingPod("train-1", taintMsg, onGPU)}, scoped: true,
			want:     []string{"UntoleratedTaint gpu-1"},
			evidence: []string{"taint: dedicated=gpu:NoSchedule", "pod shop/train-1 Pending: " + taintMsg},
		},
		{
			name:  "tolerated taint: not the reason",
			nodes: []corev1.Node{gpu, plain},
			pods:  []corev1.Pod{nodePendingPod("train", taintMsg, onGPU, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu", Effect: corev1.TaintEffectNoSchedule})},
		},
		{
			name:  "another node the pod may use is untainted: taints are not the whole reason",
			nodes: []corev1.Node{gpu, plain},
			pods:  []corev1.Pod{nodePendingPod("big", "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}", nil)},
		},
		{
			name:  "every node tainted: each taint is named",
			nodes: []corev1.Node{gpu, nodeTestNode("db-1", nodeTaint("dedicated", "db", corev1.TaintEffectNoExecute), nodeTaint("soft", "", corev1.TaintEffectPreferNoSchedule))},
			pods:  []corev1.Pod{nodePendingPod("web", "0/2 nodes are available: 2 node(s) had untolerated taint", nil)},
			want:  []string{"UntoleratedTaint db-1", "UntoleratedTaint gpu-1"},
		},
		{
			name: "system taints are left to the condition findings",
			nodes: []corev1.Node{nodeTestNode("n", nodeCond(corev1.NodeReady, corev1.ConditionFalse, "KubeletNotReady", "x"),
				nodeTaint("node.kubernetes.io/not-ready", "", corev1.TaintEffectNoSchedule))},
			pods: []corev1.Pod{nodePendingPod("web", "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }", nil)},
			want: []string{"NodeNotReady n"},
		},
		{
			name:  "message without taints: not a taint problem",
			nodes: []corev1.Node{gpu},
			pods:  []corev1.Pod{nodePendingPod("web", "0/1 nodes are available: 1 Insufficient memory", nil)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := checkNodes(tt.nodes, tt.pods, tt.scoped, nil)
			var got, evidence []string
			for _, f := range fs {
				got = append(got, f.Reason+" "+f.Object.Name)
				if f.Object.Kind != "Node" || f.Object.Namespace != "" || f.Severity != kube.Warning || f.Docs == "" || f.Fix == "" || !strings.Contains(f.Message, "Node "+f.Object.Name) {
					t.Errorf("finding = %+v", f)
				}
				evidence = append(evidence, f.Evidence...)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			for _, e := range tt.evidence {
				if !slices.Contains(evidence, e) {
					t.Errorf("evidence %q lacks %q", evidence, e)
				}
			}
		})
	}
}

func TestUntoleratedTaintFinding(t *testing.T) {
	yes := true
	const msg = "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}"
	var pods []corev1.Pod
	for i := range 7 {
		p := nodePendingPod(fmt.Sprintf("train-%d", i), msg, nil)
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "Job", Name: "train", Controller: &yes}}
		pods = append(pods, p)
	}
	fs := checkNodes([]corev1.Node{nodeTestNode("gpu-1", nodeTaint("dedicated", "gpu", corev1.TaintEffectNoSchedule))}, pods, true, nil)
	if len(fs) != 1 {
		t.Fatalf("got %+v, want one finding", fs)
	}
	f := fs[0]
	if f.Owner == nil || *f.Owner != (kube.ObjectRef{Kind: "Job", Namespace: "shop", Name: "train"}) {
		t.Errorf("owner %v, want the pods' Job", f.Owner)
	}
	wantFix := "tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]"
	if !strings.Contains(f.Fix, wantFix) || !strings.Contains(f.Fix, "kubectl taint nodes gpu-1 dedicated=gpu:NoSchedule-") {
		t.Errorf("fix %q lacks the toleration %q or the untaint command", f.Fix, wantFix)
	}
	if !strings.Contains(f.Message, "7 pending pod(s) (shop/train-0, shop/train-1, shop/train-2, shop/train-3, shop/train-4, …)") {
		t.Errorf("message %q", f.Message)
	}
	if last := f.Evidence[len(f.Evidence)-1]; last != "… and 2 more pod(s)" || len(f.Evidence) != 1+taintEvidencePods+1 {
		t.Errorf("evidence %q", f.Evidence)
	}
}
