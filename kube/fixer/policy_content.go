package fixer

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubertnetes/kubertnetes/kube"
)

// violation is one thing a change does that a content rule refuses.
type violation struct {
	rule Rule
	what string // "makes container \"web\" privileged (…securityContext.privileged: true)"
}

// maxListed bounds the violations one refusal names.
const maxListed = 6

// advice says, per rule, why it matters and what to do instead.
var advice = map[Rule]string{
	RulePrivilege:     "privilege reaches past the container to the node and every pod on it: propose a fix that works without it",
	RuleIdentity:      "the ServiceAccount decides what the pods may do in the cluster: keep the identity the workload has",
	RuleExposure:      "that makes the workload reachable from outside the cluster or under a new name: keep the Service ClusterIP and the Ingress hosts as they are",
	RuleImageRegistry: "an image from another registry is code nobody here has vetted: use an image from a registry the workload already uses",
}

// CheckChange refuses a change the content policy does not allow, judged
// on what it does, not on how the patch says it: before is the live object
// (nil for create) and after the API server's dry-run result (or the
// object as applied). It looks at every pod template in the object
// (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs,
// Pods, and custom kinds that embed one), at Services and at Ingresses.
// Only what the change adds counts: a container already privileged may
// still get a new env value. The refusal names each field and container,
// why it matters, and how a person may allow it (AllowChanges).
func (p Policy) CheckChange(t kube.Target, gk schema.GroupKind, before, after *unstructured.Unstructured) error {
	if after == nil { // a deletion adds nothing
		return nil
	}
	var b map[string]any
	if before != nil {
		b = before.Object
	}
	a := after.Object
	vs := podChanges(b, a)
	switch gk {
	case schema.GroupKind{Kind: "Service"}:
		vs = append(vs, serviceChanges(b, a)...)
	case schema.GroupKind{Group: "networking.k8s.io", Kind: "Ingress"}, schema.GroupKind{Group: "extensions", Kind: "Ingress"}:
		vs = append(vs, ingressChanges(b, a)...)
	}
	vs = slices.DeleteFunc(vs, func(v violation) bool { return p.allowsChange(v.rule, t.Namespace) })
	if len(vs) == 0 {
		return nil
	}
	return refuse("%s", describeViolations(t, vs))
}

// describeViolations words a refusal: what the change would do, then per
// rule why it matters and how to allow it.
func describeViolations(t kube.Target, vs []violation) string {
	var what []string
	var rules []Rule
	for i, v := range vs {
		if i < maxListed {
			what = append(what, fmt.Sprintf("%s [%s]", v.what, v.rule))
		}
		if !slices.Contains(rules, v.rule) {
			rules = append(rules, v.rule)
		}
	}
	if len(vs) > maxListed {
		what = append(what, fmt.Sprintf("and %d more", len(vs)-maxListed))
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "the fix for %s would %s. ", t, strings.Join(what, "; "))
	for _, r := range Rules() {
		if slices.Contains(rules, r) {
			fmt.Fprintf(&sb, "[%s] %s. ", r, advice[r])
		}
	}
	hints := make([]string, 0, len(rules))
	for _, r := range rules {
		hints = append(hints, string(r)+"@"+t.Namespace)
	}
	fmt.Fprintf(&sb, "If a person decides it is needed, they make the change with kubectl, or allow it with KUBERTNETES_FIX_ALLOW_CHANGES=%s", strings.Join(hints, ","))
	return sb.String()
}

// Small, panic-free readers of unstructured objects: a field of the wrong
// type reads as absent.

// child is m[key] as a map, or nil.
func child(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		if m == nil {
			return nil
		}
		m, _ = m[k].(map[string]any)
	}
	return m
}

// items is m[key] as a list of maps (other entries dropped).
func items(m map[string]any, key string) []map[string]any {
	l, _ := m[key].([]any)
	out := make([]map[string]any, 0, len(l))
	for _, v := range l {
		if e, ok := v.(map[string]any); ok {
			out = append(out, e)
		}
	}
	return out
}

// scalar renders m[key] when it is a string, bool or number, else "".
func scalar(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case bool, int, int32, int64, float64:
		return fmt.Sprint(v)
	}
	return ""
}

// stringList reads m[key] as a list of strings (other entries dropped).
func stringList(m map[string]any, key string) []string {
	l, _ := m[key].([]any)
	out := make([]string, 0, len(l))
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// added are the entries of after not in before, in after's order.
func added(before, after []string) []string {
	var out []string
	for _, s := range after {
		if !slices.Contains(before, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// label renders a name from the object bare when it is a DNS label (as
// the API server requires of containers and volumes), else quoted.
func label(s string) string {
	if len(validation.IsDNS1123Label(s)) == 0 {
		return s
	}
	return quote(s)
}

// quote renders a value from the object for a refusal: quoted, and cut
// when long, since it may come from a model's patch.
func quote(s string) string {
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return fmt.Sprintf("%q", s)
}
