package kube

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Operation is what a Fix does to its target.
type Operation string

// Operations a Fix can carry.
const (
	OpStrategicMerge Operation = "strategic-merge-patch"
	OpMergePatch     Operation = "merge-patch"
	OpJSONPatch      Operation = "json-patch"
	OpSetEnv         Operation = "set-env"
	OpSetImage       Operation = "set-image"
	OpSetResources   Operation = "set-resources"
	OpScale          Operation = "scale"
	OpRolloutRestart Operation = "rollout-restart"
	OpDeletePod      Operation = "delete-pod"
	OpCreate         Operation = "create"
)

// Operations lists the supported operations, for schemas and errors.
func Operations() []Operation {
	return []Operation{OpSetEnv, OpSetImage, OpSetResources, OpScale, OpRolloutRestart, OpStrategicMerge, OpMergePatch, OpJSONPatch, OpDeletePod, OpCreate}
}

// Target is the object a Fix changes.
type Target struct {
	// Kind as a user would write it: Deployment, deployment, deploy, statefulset.apps …
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (t Target) String() string {
	return fmt.Sprintf("%s/%s in namespace %s", strings.ToLower(t.Kind), t.Name, t.Namespace)
}

// Resources are container requests and limits by resource name (cpu,
// memory, ephemeral-storage …) as quantities ("250m", "128Mi").
type Resources struct {
	Requests map[string]string `json:"requests,omitempty"`
	Limits   map[string]string `json:"limits,omitempty"`
}

// Fix is a typed change proposal. It is data: nothing applies it but an
// approval reaching the fixer (kube/fixer).
type Fix struct {
	Target    Target    `json:"target"`
	Operation Operation `json:"operation"`
	// Patch is the patch document for the *-patch operations.
	Patch json.RawMessage `json:"patch,omitempty"`
	// Container names the container for set-env, set-image and set-resources.
	Container string            `json:"container,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	Image     string            `json:"image,omitempty"`
	Resources *Resources        `json:"resources,omitempty"`
	Replicas  *int32            `json:"replicas,omitempty"`
	// Manifest is the whole object (JSON) that create makes.
	Manifest  json.RawMessage `json:"manifest,omitempty"`
	Rationale string          `json:"rationale"`
	Risk      string          `json:"risk,omitempty"`
	// Expected is the effect verification will look for.
	Expected string `json:"expected,omitempty"`
	// Undoes is the patch hash of the applied fix this one rolls back
	// (set by Rollback): a rollback is never rolled back in turn.
	Undoes string `json:"undoes,omitempty"`
}

// Validate checks a Fix is complete before anything is sent to the cluster.
func (f Fix) Validate() error {
	var missing []string
	if f.Target.Kind == "" {
		missing = append(missing, "target.kind")
	}
	if f.Target.Name == "" {
		missing = append(missing, "target.name")
	}
	if f.Target.Namespace == "" {
		missing = append(missing, "target.namespace")
	}
	if f.Rationale == "" {
		missing = append(missing, "rationale")
	}
	switch f.Operation {
	case OpStrategicMerge, OpMergePatch, OpJSONPatch:
		if len(f.Patch) == 0 {
			missing = append(missing, "patch")
		} else if err := validPatch(f.Operation, f.Patch); err != nil {
			return err
		}
	case OpSetEnv:
		if len(f.Env) == 0 {
			missing = append(missing, "env")
		}
	case OpSetImage:
		if f.Image == "" {
			missing = append(missing, "image")
		}
	case OpSetResources:
		if err := f.Resources.validate(); err != nil {
			return err
		}
	case OpScale:
		if f.Replicas == nil {
			missing = append(missing, "replicas")
		} else if *f.Replicas < 0 {
			return fmt.Errorf("fix: replicas must be 0 or more")
		}
	case OpRolloutRestart, OpDeletePod: // the target says it all; the policy checks the kind
	case OpCreate:
		if len(f.Manifest) == 0 {
			missing = append(missing, "manifest")
		} else if !json.Valid(f.Manifest) {
			return fmt.Errorf("fix: manifest is not valid JSON")
		} else if !jsonObject(f.Manifest) {
			return fmt.Errorf("fix: a manifest must be one JSON object such as {\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",…}, not %s", short(f.Manifest))
		}
	case "":
		missing = append(missing, "operation")
	default:
		return fmt.Errorf("fix: unknown operation %q (one of %v)", f.Operation, Operations())
	}
	if len(missing) > 0 {
		return fmt.Errorf("fix: missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// validate checks set-resources' quantities.
func (r *Resources) validate() error {
	if r == nil || len(r.Requests)+len(r.Limits) == 0 {
		return fmt.Errorf("fix: missing resources (requests and/or limits)")
	}
	for _, set := range []struct {
		name string
		m    map[string]string
	}{{"requests", r.Requests}, {"limits", r.Limits}} {
		names := make([]string, 0, len(set.m))
		for n := range set.m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if !resourceName(n) {
				return fmt.Errorf("fix: resources.%s has %q, which is not a resource name (cpu, memory, ephemeral-storage, hugepages-2Mi, vendor.example/gpu)", set.name, n)
			}
			if _, err := resource.ParseQuantity(set.m[n]); err != nil {
				return fmt.Errorf("fix: resources.%s.%s=%q is not a quantity (like 250m or 128Mi): %w", set.name, n, set.m[n], err)
			}
		}
	}
	return nil
}

func resourceName(n string) bool {
	switch {
	case n == "cpu", n == "memory", n == "ephemeral-storage", strings.HasPrefix(n, "hugepages-"):
		return true
	default:
		return strings.Contains(n, "/") && !strings.ContainsAny(n, " \t")
	}
}

// validPatch checks a patch document's shape before anything reads it: a
// strategic or merge patch is one JSON object, a JSON patch a non-empty
// array of operations each with an op and a path. null, a scalar or the
// wrong container is refused with what to send instead.
func validPatch(op Operation, patch json.RawMessage) error {
	if !json.Valid(patch) {
		return fmt.Errorf("fix: patch is not valid JSON")
	}
	if op != OpJSONPatch {
		if !jsonObject(patch) {
			return fmt.Errorf("fix: a %s must be a JSON object such as {\"spec\":{…}}, not %s", op, short(patch))
		}
		return nil
	}
	var ops []map[string]any
	if err := json.Unmarshal(patch, &ops); err != nil || len(ops) == 0 {
		return fmt.Errorf("fix: a json-patch must be a non-empty JSON array of operations such as [{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}], not %s", short(patch))
	}
	for i, o := range ops {
		if _, ok := o["op"].(string); !ok {
			return fmt.Errorf("fix: json-patch operation %d has no \"op\"", i)
		}
		if _, ok := o["path"].(string); !ok {
			return fmt.Errorf("fix: json-patch operation %d has no \"path\"", i)
		}
	}
	return nil
}

// jsonObject reports whether b is one JSON object (not null, an array or a scalar).
func jsonObject(b []byte) bool {
	var obj map[string]any
	return json.Unmarshal(b, &obj) == nil && obj != nil
}

// short is the start of a document, for error messages.
func short(b []byte) string {
	const n = 40
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
