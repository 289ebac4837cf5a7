package kube

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// FuzzFixValidate feeds Validate what a model (or a prompt-injected log)
// can send through propose_fix: any operation, any patch and manifest
// bytes, and any other fields as JSON. Validate never panics, a refusal
// says what is wrong, and a fix it accepts has the shape its operation
// needs, so nothing after it has to guess (issue 11: a null patch crashed
// serve). Seeds: testdata/fuzz/FuzzFixValidate.
func FuzzFixValidate(f *testing.F) {
	f.Fuzz(func(t *testing.T, op string, patch, manifest, rest []byte) {
		var fix Fix
		_ = json.Unmarshal(rest, &fix) // any fields the model sent; garbage leaves the zero Fix
		fix.Operation = Operation(op)
		fix.Patch, fix.Manifest = json.RawMessage(patch), json.RawMessage(manifest)
		err := fix.Validate()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fix: ") || len(err.Error()) < len("fix: x") {
				t.Fatalf("Validate() = %q: a refusal names what is wrong, after \"fix: \"", err)
			}
			return
		}
		checkAccepted(t, fix)
	})
}

// checkAccepted asserts what a valid fix promises the fixer.
func checkAccepted(t *testing.T, fix Fix) {
	t.Helper()
	if fix.Target.Kind == "" || fix.Target.Name == "" || fix.Target.Namespace == "" || fix.Rationale == "" {
		t.Fatalf("accepted a fix without a whole target and a rationale: %+v", fix)
	}
	switch fix.Operation {
	case OpStrategicMerge, OpMergePatch:
		var doc map[string]any
		if err := json.Unmarshal(fix.Patch, &doc); err != nil || doc == nil {
			t.Fatalf("accepted %s %q, which is not a JSON object (%v)", fix.Operation, fix.Patch, err)
		}
	case OpJSONPatch:
		var ops []map[string]any
		if err := json.Unmarshal(fix.Patch, &ops); err != nil || len(ops) == 0 {
			t.Fatalf("accepted json-patch %q, which is not a non-empty array of operations (%v)", fix.Patch, err)
		}
		for i, o := range ops {
			if _, ok := o["op"].(string); !ok {
				t.Fatalf("accepted json-patch %q: operation %d has no op", fix.Patch, i)
			}
			if _, ok := o["path"].(string); !ok {
				t.Fatalf("accepted json-patch %q: operation %d has no path", fix.Patch, i)
			}
		}
	case OpCreate:
		var obj map[string]any
		if err := json.Unmarshal(fix.Manifest, &obj); err != nil || obj == nil {
			t.Fatalf("accepted create with manifest %q, which is not one JSON object (%v)", fix.Manifest, err)
		}
	case OpSetEnv:
		if len(fix.Env) == 0 {
			t.Fatal("accepted set-env without env")
		}
	case OpSetImage:
		if fix.Image == "" {
			t.Fatal("accepted set-image without an image")
		}
	case OpSetResources:
		if fix.Resources == nil {
			t.Fatal("accepted set-resources without resources")
		}
		for _, m := range []map[string]string{fix.Resources.Requests, fix.Resources.Limits} {
			for n, q := range m {
				if _, err := resource.ParseQuantity(q); err != nil {
					t.Fatalf("accepted resource %s=%q, which is not a quantity", n, q)
				}
			}
		}
	case OpScale:
		if fix.Replicas == nil || *fix.Replicas < 0 {
			t.Fatalf("accepted scale to %v replicas", fix.Replicas)
		}
	case OpRolloutRestart, OpDeletePod:
	default:
		t.Fatalf("accepted unknown operation %q", fix.Operation)
	}
}
