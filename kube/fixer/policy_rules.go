package fixer

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Rule names one part of the content policy: what a fix may not do to an
// object, judged on the object before and after the change. Each is on
// by default; Policy.AllowChanges lifts one, everywhere or in a namespace.
type Rule string

const (
	// RulePrivilege refuses more privilege for a pod or container:
	// privileged, allowPrivilegeEscalation, added (or no longer dropped)
	// capabilities, hostNetwork/hostPID/hostIPC, hostPath volumes,
	// hostPort, runAsUser 0, runAsNonRoot false, Unconfined seccomp or
	// AppArmor, and an unmasked procMount.
	RulePrivilege Rule = "privilege"
	// RuleIdentity refuses a pod template running as another
	// ServiceAccount, or mounting its token where it did not.
	RuleIdentity Rule = "identity"
	// RuleExposure refuses a Service reachable from outside the cluster
	// (type NodePort, LoadBalancer or ExternalName, externalIPs, new
	// nodePorts, wider loadBalancerSourceRanges, externalName) and an
	// Ingress serving a host it did not serve.
	RuleExposure Rule = "exposure"
	// RuleImageRegistry refuses an image from a registry the object's pod
	// templates did not use before the change.
	RuleImageRegistry Rule = "image-registry"
	// RuleCreate refuses creating any kind but those that run no code and
	// grant no access: ConfigMap, Service, PersistentVolumeClaim,
	// HorizontalPodAutoscaler, PodDisruptionBudget, NetworkPolicy.
	RuleCreate Rule = "create"
)

// Rules are the content rules, in the order documented.
func Rules() []Rule {
	return []Rule{RulePrivilege, RuleIdentity, RuleExposure, RuleImageRegistry, RuleCreate}
}

// ParseAllowChange reads one Policy.AllowChanges entry: RULE (lifted
// everywhere) or RULE@NAMESPACE. The error names the valid rules.
func ParseAllowChange(entry string) (Rule, string, error) {
	name, ns, scoped := strings.Cut(strings.TrimSpace(entry), "@")
	r := Rule(strings.ToLower(strings.TrimSpace(name)))
	valid := false
	for _, known := range Rules() {
		valid = valid || r == known
	}
	if !valid {
		names := make([]string, 0, len(Rules()))
		for _, known := range Rules() {
			names = append(names, string(known))
		}
		return "", "", fmt.Errorf("%q is not a rule; the rules are %s, each alone or as RULE@NAMESPACE", name, strings.Join(names, ", "))
	}
	ns = strings.TrimSpace(ns)
	if scoped && len(validation.IsDNS1123Label(ns)) > 0 {
		return "", "", fmt.Errorf("%q after @ is not a namespace name (like web or kube-system)", ns)
	}
	return r, ns, nil
}

// validate checks the policy's AllowChanges entries.
func (p Policy) validate() error {
	for _, e := range p.AllowChanges {
		if _, _, err := ParseAllowChange(e); err != nil {
			return fmt.Errorf("policy: allowed change %w", err)
		}
	}
	return nil
}

// allowsChange reports whether rule r is lifted in namespace ns.
func (p Policy) allowsChange(r Rule, ns string) bool {
	for _, e := range p.AllowChanges {
		rule, scope, err := ParseAllowChange(e)
		if err == nil && rule == r && (scope == "" || scope == ns) {
			return true
		}
	}
	return false
}

// allowHint says how configuration lifts rule r in namespace ns.
func allowHint(r Rule, ns string) string {
	return fmt.Sprintf("KUBERTNETES_FIX_ALLOW_CHANGES=%s@%s", r, ns)
}

// creatable are the kinds a fix may create by default: none runs code or
// grants access once it exists (a Service is further held to ClusterIP by
// the exposure rule). The kind policy still decides whether the kind may
// be changed at all (PDBs and NetworkPolicies need KUBERTNETES_FIX_ALLOW_KINDS).
var creatable = map[schema.GroupKind]bool{
	{Kind: "ConfigMap"}: true, {Kind: "Service"}: true, {Kind: "PersistentVolumeClaim"}: true,
	{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}: true,
	{Group: "policy", Kind: "PodDisruptionBudget"}:          true,
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:     true,
}

// notCreated say why creating these kinds is refused by default.
var notCreated = map[schema.GroupKind]string{
	{Kind: "Pod"}:                                 "a Pod runs its containers as soon as it exists",
	{Group: "apps", Kind: "Deployment"}:           "a Deployment starts pods as soon as it exists",
	{Group: "apps", Kind: "StatefulSet"}:          "a StatefulSet starts pods as soon as it exists",
	{Group: "apps", Kind: "ReplicaSet"}:           "a ReplicaSet starts pods as soon as it exists",
	{Group: "apps", Kind: "DaemonSet"}:            "a DaemonSet starts a pod on every node as soon as it exists",
	{Group: "batch", Kind: "Job"}:                 "a Job runs its pod as soon as it exists",
	{Group: "batch", Kind: "CronJob"}:             "a CronJob runs a Job on its schedule",
	{Kind: "Secret"}:                              "a Secret of type service-account-token is filled with a ServiceAccount's token",
	{Kind: "ServiceAccount"}:                      "a ServiceAccount is an identity pods run as",
	{Group: "networking.k8s.io", Kind: "Ingress"}: "an Ingress exposes Services outside the cluster",
}

// checkCreate refuses creating a kind that can run code or grant access.
func (p Policy) checkCreate(gk schema.GroupKind, ns string) error {
	if creatable[gk] || p.allowsChange(RuleCreate, ns) {
		return nil
	}
	why := notCreated[gk]
	if why == "" {
		why = "it is not one of the kinds that run no code and grant no access"
	}
	return refuse("kubertnetes does not create %s objects: %s. It creates only ConfigMaps, Services (ClusterIP), PersistentVolumeClaims, HorizontalPodAutoscalers, PodDisruptionBudgets and NetworkPolicies; propose a patch to an existing object instead, or a person creates it with kubectl (or allows it with %s)", gk.Kind, why, allowHint(RuleCreate, ns))
}
