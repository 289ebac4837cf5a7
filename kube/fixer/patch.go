package fixer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/kube"
)

// patchFor compiles a patch-style Fix against the current object into one
// patch. The result embeds the previewed resourceVersion, so applying it
// later fails with a conflict if the object changed in between.
func patchFor(f kube.Fix, cur *unstructured.Unstructured, now time.Time) (types.PatchType, []byte, error) {
	rv := cur.GetResourceVersion()
	switch f.Operation {
	case kube.OpJSONPatch:
		var ops []any
		if err := json.Unmarshal(f.Patch, &ops); err != nil {
			return "", nil, fmt.Errorf("json-patch must be an array of operations: %w", err)
		}
		ops = append([]any{map[string]any{"op": "test", "path": "/metadata/resourceVersion", "value": rv}}, ops...)
		b, err := json.Marshal(ops)
		return types.JSONPatchType, b, err
	case kube.OpStrategicMerge, kube.OpMergePatch:
		var doc map[string]any
		if err := json.Unmarshal(f.Patch, &doc); err != nil {
			return "", nil, fmt.Errorf("%s must be a JSON object: %w", f.Operation, err)
		}
		pt := types.StrategicMergePatchType
		if f.Operation == kube.OpMergePatch {
			pt = types.MergePatchType
		}
		b, err := json.Marshal(withResourceVersion(doc, rv))
		return pt, b, err
	case kube.OpSetEnv, kube.OpSetImage, kube.OpSetResources:
		path := podTemplatePath(cur.GetKind())
		c, err := container(f, cur, path)
		if err != nil {
			return "", nil, err
		}
		entry := map[string]any{"name": c}
		switch f.Operation {
		case kube.OpSetImage:
			entry["image"] = f.Image
		case kube.OpSetResources:
			res := map[string]any{}
			if len(f.Resources.Requests) > 0 {
				res["requests"] = f.Resources.Requests
			}
			if len(f.Resources.Limits) > 0 {
				res["limits"] = f.Resources.Limits
			}
			entry["resources"] = res
		default:
			entry["env"] = envList(f.Env)
		}
		doc := nest(append(append([]string{}, path...), "spec"), map[string]any{"containers": []any{entry}})
		b, err := json.Marshal(withResourceVersion(doc, rv))
		return types.StrategicMergePatchType, b, err
	case kube.OpScale:
		b, err := json.Marshal(withResourceVersion(map[string]any{"spec": map[string]any{"replicas": *f.Replicas}}, rv))
		return types.MergePatchType, b, err
	case kube.OpRolloutRestart:
		path := podTemplatePath(cur.GetKind())
		doc := nest(append(append([]string{}, path...), "metadata"), map[string]any{
			"annotations": map[string]any{"kubectl.kubernetes.io/restartedAt": now.UTC().Format(time.RFC3339)},
		})
		b, err := json.Marshal(withResourceVersion(doc, rv))
		return types.StrategicMergePatchType, b, err
	}
	return "", nil, fmt.Errorf("operation %q is not a patch", f.Operation)
}

func envList(env map[string]string) []any {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		out = append(out, map[string]any{"name": k, "value": env[k]})
	}
	return out
}

// podTemplatePath is where a workload kind keeps its pod template.
func podTemplatePath(kind string) []string {
	if kind == "CronJob" {
		return []string{"spec", "jobTemplate", "spec", "template"}
	}
	return []string{"spec", "template"}
}

// nest wraps leaf in maps keyed by path: nest([a b], x) = {a: {b: x}}.
func nest(path []string, leaf map[string]any) map[string]any {
	out := leaf
	for i := len(path) - 1; i >= 0; i-- {
		out = map[string]any{path[i]: out}
	}
	return out
}

func withResourceVersion(doc map[string]any, rv string) map[string]any {
	if doc == nil { // never from a validated fix; never a panic either
		doc = map[string]any{}
	}
	md, _ := doc["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
	}
	md["resourceVersion"] = rv
	doc["metadata"] = md
	return doc
}

// container picks the container a set-* operation applies to: the named
// one, or the only one.
func container(f kube.Fix, cur *unstructured.Unstructured, template []string) (string, error) {
	cs, found, _ := unstructured.NestedSlice(cur.Object, append(append([]string{}, template...), "spec", "containers")...)
	if !found {
		return "", fmt.Errorf("%s has no pod template containers: %s changes workloads (Deployment, StatefulSet, DaemonSet, Job, CronJob)", f.Target, f.Operation)
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
