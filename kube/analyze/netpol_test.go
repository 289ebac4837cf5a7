package analyze

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func netpolPod(name string, labels map[string]string, ports ...corev1.ContainerPort) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Ports: ports}}}}
}

func policy(name string, selector map[string]string, types []networkingv1.PolicyType, rules ...networkingv1.NetworkPolicyIngressRule) networkingv1.NetworkPolicy {
	return networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: selector}, PolicyTypes: types, Ingress: rules}}
}

func fromPods(labels map[string]string, ports ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicyIngressRule {
	return networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: labels}}}, Ports: ports}
}

func policyPort(p intstr.IntOrString) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Port: &p}
}

func TestCheckNetworkPolicies(t *testing.T) {
	ingress := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	egress := []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	http := corev1.ContainerPort{Name: "http", ContainerPort: 8080}
	pods := []corev1.Pod{
		netpolPod("api-1", map[string]string{"app": "api"}, http),
		netpolPod("api-2", map[string]string{"app": "api"}, http),
		netpolPod("front-1", map[string]string{"app": "web-frontend"}),
	}
	svc := corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "shop"}, Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "api"}, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}}}
	api := map[string]string{"app": "api"}
	tests := []struct {
		name string
		pols []networkingv1.NetworkPolicy
		want []string
	}{
		{"deny all ingress to the api", []networkingv1.NetworkPolicy{policy("deny", api, ingress)}, []string{"NetworkPolicyIsolatesService deny warning"}},
		{"a namespace-wide default deny", []networkingv1.NetworkPolicy{policy("default-deny", nil, nil)}, []string{"NetworkPolicyIsolatesService default-deny warning"}},
		{"default deny plus an allow from an existing pod", []networkingv1.NetworkPolicy{policy("default-deny", nil, ingress), policy("allow-front", api, ingress, fromPods(map[string]string{"app": "web-frontend"}))}, nil},
		{"allow only from a label no pod has", []networkingv1.NetworkPolicy{policy("allow-front", api, ingress, fromPods(map[string]string{"app": "frontend"}))}, []string{"NetworkPolicyIsolatesService allow-front warning"}},
		{"allow from anywhere", []networkingv1.NetworkPolicy{policy("open", api, ingress, networkingv1.NetworkPolicyIngressRule{})}, nil},
		{"allow from other namespaces", []networkingv1.NetworkPolicy{policy("ns", api, ingress, networkingv1.NetworkPolicyIngressRule{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}})}, nil},
		{"allowed port by number", []networkingv1.NetworkPolicy{policy("p", api, ingress, networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{policyPort(intstr.FromInt32(8080))}})}, nil},
		{"allowed port by name", []networkingv1.NetworkPolicy{policy("p", api, ingress, networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{policyPort(intstr.FromString("http"))}})}, nil},
		{"only another port allowed", []networkingv1.NetworkPolicy{policy("p", api, ingress, networkingv1.NetworkPolicyIngressRule{Ports: []networkingv1.NetworkPolicyPort{policyPort(intstr.FromInt32(9090))}})}, []string{"NetworkPolicyIsolatesService p warning"}},
		{"egress only", []networkingv1.NetworkPolicy{policy("out", api, egress)}, nil},
		{"a typo in the podSelector", []networkingv1.NetworkPolicy{policy("typo", map[string]string{"app": "apii"}, ingress)}, []string{"NetworkPolicySelectsNothing typo warning"}},
		{"a selector no label resembles", []networkingv1.NetworkPolicy{policy("gone", map[string]string{"tier": "db"}, ingress)}, []string{"NetworkPolicySelectsNothing gone info"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range checkNetworkPolicies(tt.pols, pods, []corev1.Service{svc}) {
				got = append(got, f.Reason+" "+f.Object.Name+" "+f.Severity.String())
				if f.Object.Kind != "NetworkPolicy" || f.Docs == "" || f.Fix == "" || len(f.Evidence) == 0 {
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

func TestNetworkPolicyIsolatesOnlyWhenEveryPodIs(t *testing.T) {
	pods := []corev1.Pod{
		netpolPod("api-1", map[string]string{"app": "api", "track": "canary"}),
		netpolPod("api-2", map[string]string{"app": "api"}),
	}
	svc := corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "shop"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "api"}, Ports: []corev1.ServicePort{{Port: 80}}}}
	canary := []networkingv1.NetworkPolicy{policy("canary-deny", map[string]string{"track": "canary"}, nil)}
	if fs := checkNetworkPolicies(canary, pods, []corev1.Service{svc}); len(fs) != 0 {
		t.Errorf("one pod of two isolated: got %+v, want no finding", fs)
	}
	fs := checkNetworkPolicies(append(canary, policy("api-deny", map[string]string{"app": "api"}, nil)), pods, []corev1.Service{svc})
	var names []string
	for _, f := range fs {
		names = append(names, f.Object.Name)
		if !strings.Contains(f.Message, "Service api") || !strings.Contains(f.Message, "canary-deny, api-deny") {
			t.Errorf("message %q should name the Service and both policies", f.Message)
		}
	}
	if diff := cmp.Diff([]string{"canary-deny", "api-deny"}, names); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
