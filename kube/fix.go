package kube

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
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
	OpScale          Operation = "scale"
	OpRolloutRestart Operation = "rollout-restart"
)

// Operations lists the supported operations, for schemas and errors.
func Operations() []Operation {
	return []Operation{OpSetEnv, OpSetImage, OpScale, OpRolloutRestart, OpStrategicMerge, OpMergePatch, OpJSONPatch}
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

// Fix is a typed change proposal. It is data: nothing applies it but an
// approval reaching Fixer.Apply.
type Fix struct {
	Target    Target    `json:"target"`
	Operation Operation `json:"operation"`
	// Patch is the patch document for the *-patch operations.
	Patch json.RawMessage `json:"patch,omitempty"`
	// Container names the container for set-env and set-image.
	Container string            `json:"container,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	Image     string            `json:"image,omitempty"`
	Replicas  *int32            `json:"replicas,omitempty"`
	Rationale string            `json:"rationale"`
	Risk      string            `json:"risk,omitempty"`
	// Expected is the effect verification will look for.
	Expected string `json:"expected,omitempty"`
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
		} else if !json.Valid(f.Patch) {
			return fmt.Errorf("fix: patch is not valid JSON")
		}
	case OpSetEnv:
		if len(f.Env) == 0 {
			missing = append(missing, "env")
		}
	case OpSetImage:
		if f.Image == "" {
			missing = append(missing, "image")
		}
	case OpScale:
		if f.Replicas == nil {
			missing = append(missing, "replicas")
		} else if *f.Replicas < 0 {
			return fmt.Errorf("fix: replicas must be 0 or more")
		}
	case OpRolloutRestart:
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

// patch compiles the Fix against the current object into one patch. The
// result embeds the previewed resourceVersion, so applying it later fails
// with a conflict if the object changed in between.
func (f Fix) patch(cur *unstructured.Unstructured, now time.Time) (types.PatchType, []byte, error) {
	rv := cur.GetResourceVersion()
	switch f.Operation {
	case OpJSONPatch:
		var ops []any
		if err := json.Unmarshal(f.Patch, &ops); err != nil {
			return "", nil, fmt.Errorf("json-patch must be an array of operations: %w", err)
		}
		ops = append([]any{map[string]any{"op": "test", "path": "/metadata/resourceVersion", "value": rv}}, ops...)
		b, err := json.Marshal(ops)
		return types.JSONPatchType, b, err
	case OpStrategicMerge, OpMergePatch:
		var doc map[string]any
		if err := json.Unmarshal(f.Patch, &doc); err != nil {
			return "", nil, fmt.Errorf("%s must be a JSON object: %w", f.Operation, err)
		}
		pt := types.StrategicMergePatchType
		if f.Operation == OpMergePatch {
			pt = types.MergePatchType
		}
		b, err := json.Marshal(withResourceVersion(doc, rv))
		return pt, b, err
	case OpSetEnv, OpSetImage:
		c, err := f.container(cur)
		if err != nil {
			return "", nil, err
		}
		entry := map[string]any{"name": c}
		if f.Operation == OpSetImage {
			entry["image"] = f.Image
		} else {
			keys := make([]string, 0, len(f.Env))
			for k := range f.Env {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			env := make([]any, 0, len(keys))
			for _, k := range keys {
				env = append(env, map[string]any{"name": k, "value": f.Env[k]})
			}
			entry["env"] = env
		}
		doc := map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{entry}}}}}
		b, err := json.Marshal(withResourceVersion(doc, rv))
		return types.StrategicMergePatchType, b, err
	case OpScale:
		b, err := json.Marshal(withResourceVersion(map[string]any{"spec": map[string]any{"replicas": *f.Replicas}}, rv))
		return types.MergePatchType, b, err
	case OpRolloutRestart:
		doc := map[string]any{"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
			"annotations": map[string]any{"kubectl.kubernetes.io/restartedAt": now.UTC().Format(time.RFC3339)},
		}}}}
		b, err := json.Marshal(withResourceVersion(doc, rv))
		return types.StrategicMergePatchType, b, err
	}
	return "", nil, fmt.Errorf("unknown operation %q", f.Operation)
}

func withResourceVersion(doc map[string]any, rv string) map[string]any {
	md, _ := doc["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
	}
	md["resourceVersion"] = rv
	doc["metadata"] = md
	return doc
}

// container picks the container a set-env/set-image applies to: the named
// one, or the only one.
func (f Fix) container(cur *unstructured.Unstructured) (string, error) {
	cs, found, _ := unstructured.NestedSlice(cur.Object, "spec", "template", "spec", "containers")
	if !found {
		return "", fmt.Errorf("%s has no pod template containers", f.Target)
	}
	var names []string
	for _, c := range cs {
		if m, ok := c.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				names = append(names, n)
			}
		}
	}
	if f.Container == "" {
		if len(names) == 1 {
			return names[0], nil
		}
		return "", fmt.Errorf("%s has containers %s: name the one to change", f.Target, strings.Join(names, ", "))
	}
	for _, n := range names {
		if n == f.Container {
			return n, nil
		}
	}
	return "", fmt.Errorf("%s has no container %q (it has %s)", f.Target, f.Container, strings.Join(names, ", "))
}
