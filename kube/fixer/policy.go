package fixer

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubertnetes/kubertnetes/kube"
)

// ErrRefused marks a fix the policy does not allow (errors.Is); the
// error itself says why.
var ErrRefused = errors.New("refused by policy")

// refusal is a policy refusal: "policy: " and the reason.
type refusal struct{ reason string }

func (r *refusal) Error() string        { return "policy: " + r.reason }
func (r *refusal) Is(target error) bool { return target == ErrRefused }

func refuse(format string, args ...any) error {
	return &refusal{reason: fmt.Sprintf(format, args...)}
}

// Policy decides which fixes may even be shown for approval, and is
// checked again before applying. The zero value is the safe default:
// workloads and their configuration only, pods only deleted, never RBAC,
// never a cluster-scoped object, never in kube-system, created only if the
// kind runs no code (Check); and, judged on the object before and after,
// no added privilege, identity, exposure or image registry (CheckChange).
type Policy struct {
	// AllowNamespaces lets fixes into namespaces refused by default
	// (kube-system, kube-public, kube-node-lease).
	AllowNamespaces []string
	// AllowKinds lets fixes change namespaced kinds refused by default, by
	// Kind (case-insensitive: "Role", "secret") or kind.group
	// ("role.rbac.authorization.k8s.io"). Cluster-scoped objects and
	// deleting anything but a Pod stay refused.
	AllowKinds []string
	// AllowChanges lifts content rules (see Rules): "RULE" everywhere,
	// "RULE@NAMESPACE" in one namespace, e.g. "image-registry",
	// "exposure@web", "privilege@kube-system".
	AllowChanges []string
}

// fixableKinds are the kinds a fix may change by default, by API group.
var fixableKinds = map[schema.GroupKind]bool{
	{Group: "apps", Kind: "Deployment"}: true, {Group: "apps", Kind: "StatefulSet"}: true,
	{Group: "apps", Kind: "DaemonSet"}: true, {Group: "apps", Kind: "ReplicaSet"}: true,
	{Group: "batch", Kind: "Job"}: true, {Group: "batch", Kind: "CronJob"}: true,
	{Kind: "Service"}: true, {Kind: "ConfigMap"}: true, {Kind: "PersistentVolumeClaim"}: true,
	{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}: true,
	{Group: "networking.k8s.io", Kind: "Ingress"}:           true,
}

// neverDeleted says why deleting these kinds is refused whatever the allow list.
var neverDeleted = map[schema.GroupKind]string{
	{Kind: "Namespace"}:        "deleting a Namespace deletes every object in it",
	{Kind: "PersistentVolume"}: "deleting a PersistentVolume can destroy the data stored on it",
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: "deleting a CustomResourceDefinition deletes every object of that kind in the cluster",
	{Kind: "Node"}: "deleting a Node drops it and its pods from the cluster",
}

// refusedKinds say why changes to these kinds are refused by default.
var refusedKinds = map[schema.GroupKind]string{
	{Kind: "Namespace"}:        "a Namespace holds everything in it",
	{Kind: "PersistentVolume"}: "a PersistentVolume holds data other workloads may depend on",
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: "a CustomResourceDefinition defines the schema of every object of its kind",
	{Kind: "Node"}:           "a Node runs other teams' pods",
	{Kind: "Secret"}:         "a Secret holds credentials, which kubertnetes never shows or writes",
	{Kind: "ServiceAccount"}: "a ServiceAccount is an identity pods run as",
	{Kind: "Pod"}:            "a Pod is run by its controller: fix the Deployment, StatefulSet … instead, or delete the pod with delete-pod",
}

const rbacGroup = "rbac.authorization.k8s.io"

var protectedNamespaces = map[string]bool{"kube-system": true, "kube-public": true, "kube-node-lease": true}

// Check refuses a fix the policy does not allow by its target and
// operation, saying why. gk is the
// target's group and Kind as resolved by the API server's discovery, and
// namespaced its scope.
func (p Policy) Check(fix kube.Fix, gk schema.GroupKind, namespaced bool) error {
	if fix.Operation == kube.OpDeletePod && gk != (schema.GroupKind{Kind: "Pod"}) {
		why := neverDeleted[gk]
		if why == "" {
			why = "kubertnetes only deletes Pods, which their controller recreates"
		}
		return refuse("delete-pod cannot delete a %s: %s; a person must do that with kubectl", gk.Kind, why)
	}
	switch {
	case gk.Group == rbacGroup && !namespaced:
		return refuse("kubertnetes does not propose changes to %s objects: RBAC changes are refused because kubertnetes cannot prove that a change grants no more access than before, and cluster-wide RBAC reaches every namespace", gk.Kind)
	case !namespaced:
		why := refusedKinds[gk]
		if why == "" {
			why = "it is cluster-scoped"
		}
		return refuse("kubertnetes does not propose changes to %s objects: %s; cluster-scoped objects affect every namespace, so a person must change them", gk.Kind, why)
	case p.allowsKind(gk):
	case gk.Group == rbacGroup:
		return refuse("kubertnetes does not propose changes to %s objects: RBAC changes are refused because kubertnetes cannot prove that a change grants no more access than before (allow the kind with KUBERTNETES_FIX_ALLOW_KINDS)", gk.Kind)
	case gk == schema.GroupKind{Kind: "Pod"} && fix.Operation == kube.OpDeletePod:
	case fixableKinds[gk]:
	default:
		why := refusedKinds[gk]
		if why == "" {
			why = "it is not a workload or its configuration"
		}
		return refuse("kubertnetes does not propose changes to %s objects: %s (by default: Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, Services, ConfigMaps, PVCs, HPAs, Ingresses, and deleting Pods; more with KUBERTNETES_FIX_ALLOW_KINDS)", gk.Kind, why)
	}
	if protectedNamespaces[fix.Target.Namespace] && !slices.Contains(p.AllowNamespaces, fix.Target.Namespace) {
		return refuse("changes in namespace %s are refused unless allowed in configuration (KUBERTNETES_FIX_ALLOW_NAMESPACES): it runs the cluster's own components", fix.Target.Namespace)
	}
	if fix.Operation == kube.OpCreate {
		return p.checkCreate(gk, fix.Target.Namespace)
	}
	return nil
}

func (p Policy) allowsKind(gk schema.GroupKind) bool {
	for _, k := range p.AllowKinds {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == strings.ToLower(gk.Kind) || (gk.Group != "" && k == strings.ToLower(gk.Kind+"."+gk.Group)) {
			return true
		}
	}
	return false
}
