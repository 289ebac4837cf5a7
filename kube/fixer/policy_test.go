package fixer

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubertnetes/kubertnetes/kube"
)

// resolvedKind is what discovery says about the kinds the tests name.
func resolvedKind(kind string) (schema.GroupKind, bool) {
	known := map[string]struct {
		group      string
		namespaced bool
	}{
		"Deployment": {"apps", true}, "StatefulSet": {"apps", true}, "DaemonSet": {"apps", true},
		"Job": {"batch", true}, "CronJob": {"batch", true}, "ConfigMap": {"", true}, "Service": {"", true},
		"Secret": {"", true}, "Pod": {"", true}, "ServiceAccount": {"", true}, "PersistentVolumeClaim": {"", true},
		"Role": {rbacGroup, true}, "RoleBinding": {rbacGroup, true},
		"ClusterRole": {rbacGroup, false}, "ClusterRoleBinding": {rbacGroup, false},
		"Namespace": {"", false}, "Node": {"", false}, "PersistentVolume": {"", false},
		"CustomResourceDefinition": {"apiextensions.k8s.io", false},
		"Widget":                   {"example.com", true},
		"ReplicaSet":               {"apps", true}, "Ingress": {"networking.k8s.io", true},
		"HorizontalPodAutoscaler": {"autoscaling", true}, "PodDisruptionBudget": {"policy", true},
		"NetworkPolicy": {"networking.k8s.io", true},
	}
	k, ok := known[kind]
	if !ok {
		panic("resolvedKind: unknown kind " + kind)
	}
	return schema.GroupKind{Group: k.group, Kind: kind}, k.namespaced
}

// Every refusal of the policy, and what the allow lists do and do not open.
func TestPolicyRefusals(t *testing.T) {
	patch := func(ns string) kube.Fix {
		return kube.Fix{Target: kube.Target{Namespace: ns, Name: "x"}, Operation: kube.OpMergePatch}
	}
	del := func(ns string) kube.Fix {
		return kube.Fix{Target: kube.Target{Namespace: ns, Name: "x"}, Operation: kube.OpDeletePod}
	}
	create := func(ns string) kube.Fix {
		return kube.Fix{Target: kube.Target{Namespace: ns, Name: "x"}, Operation: kube.OpCreate}
	}
	kinds := []string{"Role", "rolebinding", "clusterrole", "Node", "Namespace", "Secret", "widget.example.com", "PodDisruptionBudget", "networkpolicy"}
	everything := Policy{AllowNamespaces: []string{"kube-system"}, AllowKinds: kinds, AllowChanges: []string{"create@shop"}}
	allKinds := Policy{AllowKinds: kinds}
	tests := []struct {
		name   string
		policy Policy
		fix    kube.Fix
		kind   string
		want   []string // parts of the refusal; nil when allowed
	}{
		// Deleting: only pods, whatever the allow lists say.
		{"delete a namespace", everything, del("shop"), "Namespace", []string{"delete-pod cannot delete a Namespace", "deletes every object in it"}},
		{"delete a persistent volume", everything, del("shop"), "PersistentVolume", []string{"cannot delete a PersistentVolume", "destroy the data"}},
		{"delete a CRD", everything, del("shop"), "CustomResourceDefinition", []string{"cannot delete a CustomResourceDefinition", "every object of that kind"}},
		{"delete a node", everything, del("shop"), "Node", []string{"cannot delete a Node", "drops it and its pods"}},
		{"delete a deployment", everything, del("shop"), "Deployment", []string{"cannot delete a Deployment", "only deletes Pods"}},
		{"delete a pod", Policy{}, del("shop"), "Pod", nil},
		{"delete a pod in kube-system", Policy{}, del("kube-system"), "Pod", []string{"namespace kube-system are refused", "KUBERTNETES_FIX_ALLOW_NAMESPACES"}},
		// RBAC: no write can be proven not to grant more.
		{"patch a role", Policy{}, patch("shop"), "Role", []string{"changes to Role objects", "cannot prove that a change grants no more access", "KUBERTNETES_FIX_ALLOW_KINDS"}},
		{"create a role binding", Policy{}, create("shop"), "RoleBinding", []string{"changes to RoleBinding objects", "grants no more access"}},
		{"patch a cluster role", everything, patch("shop"), "ClusterRole", []string{"changes to ClusterRole objects", "grants no more access", "every namespace"}},
		{"create a cluster role binding", Policy{}, create("shop"), "ClusterRoleBinding", []string{"ClusterRoleBinding objects", "grants no more access"}},
		{"role allowed by configuration", everything, patch("shop"), "Role", nil},
		{"role binding allowed, case-insensitively", everything, create("shop"), "RoleBinding", nil},
		// Cluster-scoped objects: never.
		{"patch a node", everything, patch("shop"), "Node", []string{"Node objects", "cluster-scoped objects affect every namespace"}},
		{"patch a namespace", everything, patch("shop"), "Namespace", []string{"Namespace objects", "holds everything in it"}},
		{"patch a persistent volume", Policy{}, patch("shop"), "PersistentVolume", []string{"PersistentVolume objects", "holds data"}},
		{"patch a CRD", Policy{}, patch("shop"), "CustomResourceDefinition", []string{"CustomResourceDefinition objects", "defines the schema"}},
		// Kinds outside workloads and their configuration.
		{"patch a secret", Policy{}, patch("shop"), "Secret", []string{"Secret objects", "holds credentials"}},
		{"patch a service account", Policy{}, patch("shop"), "ServiceAccount", []string{"ServiceAccount objects", "identity pods run as"}},
		{"patch a pod", Policy{}, patch("shop"), "Pod", []string{"Pod objects", "run by its controller"}},
		{"patch a custom resource", Policy{}, patch("shop"), "Widget", []string{"Widget objects", "not a workload or its configuration"}},
		{"secret allowed by configuration", everything, patch("shop"), "Secret", nil},
		{"custom resource allowed as kind.group", everything, patch("shop"), "Widget", nil},
		// Namespaces the cluster runs on.
		{"kube-system", Policy{}, patch("kube-system"), "Deployment", []string{"namespace kube-system are refused unless allowed in configuration", "cluster's own components"}},
		{"kube-public", everything, patch("kube-public"), "ConfigMap", []string{"namespace kube-public are refused"}},
		{"kube-node-lease", Policy{}, create("kube-node-lease"), "ConfigMap", []string{"namespace kube-node-lease are refused"}},
		{"kube-system allowed by configuration", everything, patch("kube-system"), "Deployment", nil},
		// What is allowed by default.
		{"deployment", Policy{}, patch("shop"), "Deployment", nil},
		{"job", Policy{}, patch("shop"), "Job", nil},
		{"cronjob", Policy{}, patch("shop"), "CronJob", nil},
		{"create a configmap", Policy{}, create("shop"), "ConfigMap", nil},
		{"create a service", Policy{}, create("shop"), "Service", nil},
		{"create a pvc", Policy{}, create("shop"), "PersistentVolumeClaim", nil},
		{"create an hpa", Policy{}, create("shop"), "HorizontalPodAutoscaler", nil},
		{"create a pdb, kind allowed", allKinds, create("shop"), "PodDisruptionBudget", nil},
		{"create a network policy, kind allowed", allKinds, create("shop"), "NetworkPolicy", nil},
		// Creating what runs code or grants access: never by default.
		{"create a job", Policy{}, create("shop"), "Job", []string{"does not create Job objects", "runs its pod as soon as it exists", "propose a patch to an existing object", "KUBERTNETES_FIX_ALLOW_CHANGES=create@shop"}},
		{"create a cronjob", Policy{}, create("shop"), "CronJob", []string{"does not create CronJob objects", "on its schedule"}},
		{"create a daemonset", Policy{}, create("shop"), "DaemonSet", []string{"does not create DaemonSet objects", "on every node"}},
		{"create a deployment", Policy{}, create("shop"), "Deployment", []string{"does not create Deployment objects"}},
		{"create a statefulset", Policy{}, create("shop"), "StatefulSet", []string{"does not create StatefulSet objects"}},
		{"create a replicaset", Policy{}, create("shop"), "ReplicaSet", []string{"does not create ReplicaSet objects"}},
		{"create an ingress", Policy{}, create("shop"), "Ingress", []string{"does not create Ingress objects", "exposes Services"}},
		{"create a pod, kind allowed", Policy{AllowKinds: []string{"Pod"}}, create("shop"), "Pod", []string{"does not create Pod objects"}},
		{"create a secret, kind allowed", allKinds, create("shop"), "Secret", []string{"does not create Secret objects", "service-account-token"}},
		{"create a role binding, kind allowed", allKinds, create("shop"), "RoleBinding", []string{"does not create RoleBinding objects"}},
		{"create a custom resource, kind allowed", allKinds, create("shop"), "Widget", []string{"does not create Widget objects", "run no code and grant no access"}},
		{"create a job, allowed in the namespace", Policy{AllowChanges: []string{"create@shop"}}, create("shop"), "Job", nil},
		{"create a job, allowed elsewhere", Policy{AllowChanges: []string{"create@web"}}, create("shop"), "Job", []string{"does not create Job objects"}},
		{"create a job, allowed everywhere", Policy{AllowChanges: []string{"create"}}, create("shop"), "Job", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gk, namespaced := resolvedKind(tt.kind)
			err := tt.policy.Check(tt.fix, gk, namespaced)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Check refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check allowed it, want a refusal with %q", tt.want)
			}
			if !errors.Is(err, ErrRefused) || !strings.HasPrefix(err.Error(), "policy: ") {
				t.Errorf("refusal %q is not a policy refusal (ErrRefused, \"policy: \")", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("refusal %q lacks %q", err, w)
				}
			}
		})
	}
}

// The refusals through Preview on the real API server: nothing reaches a
// dry run, and the reason comes back.
func TestFixPreviewPolicyRefusals(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	f := newFixer(t, Policy{})
	label := json.RawMessage(`{"metadata":{"labels":{"x":"y"}}}`)
	tests := []struct {
		name string
		fix  kube.Fix
		want string
	}{
		{"delete a namespace", kube.Fix{Target: kube.Target{Kind: "namespace", Namespace: ns, Name: ns}, Operation: kube.OpDeletePod}, "policy: delete-pod cannot delete a Namespace"},
		{"delete a node", kube.Fix{Target: kube.Target{Kind: "nodes", Namespace: ns, Name: "kwok-node-0"}, Operation: kube.OpDeletePod}, "policy: delete-pod cannot delete a Node"},
		{"delete a persistent volume", kube.Fix{Target: kube.Target{Kind: "pv", Namespace: ns, Name: "data"}, Operation: kube.OpDeletePod}, "policy: delete-pod cannot delete a PersistentVolume"},
		{"delete a CRD", kube.Fix{Target: kube.Target{Kind: "crd", Namespace: ns, Name: "clusterlogs.kwok.x-k8s.io"}, Operation: kube.OpDeletePod}, "policy: delete-pod cannot delete a CustomResourceDefinition"},
		{"patch a role", kube.Fix{Target: kube.Target{Kind: "role", Namespace: ns, Name: "r"}, Operation: kube.OpMergePatch, Patch: label}, "policy: kubertnetes does not propose changes to Role objects: RBAC"},
		{"create a role binding", kube.Fix{Target: kube.Target{Kind: "rolebinding", Namespace: ns, Name: "rb"}, Operation: kube.OpCreate,
			Manifest: json.RawMessage(`{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},"subjects":[{"kind":"User","name":"eve"}]}`)},
			"policy: kubertnetes does not propose changes to RoleBinding objects: RBAC"},
		{"patch a cluster role binding", kube.Fix{Target: kube.Target{Kind: "clusterrolebinding", Namespace: ns, Name: "cluster-admin"}, Operation: kube.OpMergePatch, Patch: label}, "policy: kubertnetes does not propose changes to ClusterRoleBinding objects"},
		{"kube-system", kube.Fix{Target: kube.Target{Kind: "configmap", Namespace: "kube-system", Name: "extension-apiserver-authentication"}, Operation: kube.OpMergePatch, Patch: label}, "policy: changes in namespace kube-system are refused"},
	}
	for _, tt := range tests {
		tt.fix.Rationale = "r"
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.Preview(t.Context(), tt.fix)
			if err == nil {
				t.Fatalf("got a preview, want a refusal:\n%s", p.Diff)
			}
			if !errors.Is(err, ErrRefused) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want a policy refusal starting %q", err, tt.want)
			}
		})
	}
}
