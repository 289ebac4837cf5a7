package kube

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFixValidate(t *testing.T) {
	target := Target{Kind: "deployment", Namespace: "shop", Name: "api"}
	three, minus := int32(3), int32(-1)
	zero := int32(0)
	tests := []struct {
		name string
		fix  Fix
		want string // "" for valid
	}{
		{"set-env", Fix{Target: target, Operation: OpSetEnv, Env: map[string]string{"LISTEN_PORT": "8080"}, Rationale: "r"}, ""},
		{"set-image", Fix{Target: target, Operation: OpSetImage, Image: "busybox:1.37", Rationale: "r"}, ""},
		{"scale", Fix{Target: target, Operation: OpScale, Replicas: &three, Rationale: "r"}, ""},
		{"scale to zero", Fix{Target: target, Operation: OpScale, Replicas: &zero, Rationale: "r"}, ""},
		{"rollout-restart", Fix{Target: target, Operation: OpRolloutRestart, Rationale: "r"}, ""},
		{"strategic merge", Fix{Target: target, Operation: OpStrategicMerge, Patch: json.RawMessage(`{"spec":{}}`), Rationale: "r"}, ""},
		{"json-patch", Fix{Target: target, Operation: OpJSONPatch, Patch: json.RawMessage(`[{"op":"replace","path":"/spec/replicas","value":2}]`), Rationale: "r"}, ""},
		// Shapes a model (or a prompt-injected log) may send: refused with
		// what to send instead, never read.
		{"null merge patch", Fix{Target: target, Operation: OpMergePatch, Patch: json.RawMessage(`null`), Rationale: "r"}, "fix: a merge-patch must be a JSON object such as {\"spec\":{…}}, not null"},
		{"null strategic patch", Fix{Target: target, Operation: OpStrategicMerge, Patch: json.RawMessage(` null `), Rationale: "r"}, "fix: a strategic-merge-patch must be a JSON object such as {\"spec\":{…}}, not  null "},
		{"array as merge patch", Fix{Target: target, Operation: OpMergePatch, Patch: json.RawMessage(`[1]`), Rationale: "r"}, "fix: a merge-patch must be a JSON object such as {\"spec\":{…}}, not [1]"},
		{"string as merge patch", Fix{Target: target, Operation: OpMergePatch, Patch: json.RawMessage(`"x"`), Rationale: "r"}, `fix: a merge-patch must be a JSON object such as {"spec":{…}}, not "x"`},
		{"null json-patch", Fix{Target: target, Operation: OpJSONPatch, Patch: json.RawMessage(`null`), Rationale: "r"}, "fix: a json-patch must be a non-empty JSON array of operations such as [{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}], not null"},
		{"empty json-patch", Fix{Target: target, Operation: OpJSONPatch, Patch: json.RawMessage(`[]`), Rationale: "r"}, "fix: a json-patch must be a non-empty JSON array of operations such as [{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}], not []"},
		{"json-patch without op", Fix{Target: target, Operation: OpJSONPatch, Patch: json.RawMessage(`[{"path":"/x"}]`), Rationale: "r"}, `fix: json-patch operation 0 has no "op"`},
		{"json-patch of nulls", Fix{Target: target, Operation: OpJSONPatch, Patch: json.RawMessage(`[null]`), Rationale: "r"}, `fix: json-patch operation 0 has no "op"`},
		{"empty", Fix{}, "fix: missing target.kind, target.name, target.namespace, rationale, operation"},
		{"no rationale", Fix{Target: target, Operation: OpRolloutRestart}, "fix: missing rationale"},
		{"no namespace", Fix{Target: Target{Kind: "deployment", Name: "api"}, Operation: OpRolloutRestart, Rationale: "r"}, "fix: missing target.namespace"},
		{"set-env without env", Fix{Target: target, Operation: OpSetEnv, Rationale: "r"}, "fix: missing env"},
		{"set-image without image", Fix{Target: target, Operation: OpSetImage, Rationale: "r"}, "fix: missing image"},
		{"scale without replicas", Fix{Target: target, Operation: OpScale, Rationale: "r"}, "fix: missing replicas"},
		{"negative replicas", Fix{Target: target, Operation: OpScale, Replicas: &minus, Rationale: "r"}, "fix: replicas must be 0 or more"},
		{"merge patch without patch", Fix{Target: target, Operation: OpMergePatch, Rationale: "r"}, "fix: missing patch"},
		{"patch that is not JSON", Fix{Target: target, Operation: OpMergePatch, Patch: json.RawMessage(`{spec:`), Rationale: "r"}, "fix: patch is not valid JSON"},
		{"unknown operation", Fix{Target: target, Operation: "delete", Rationale: "r"},
			`fix: unknown operation "delete" (one of [set-env set-image set-resources scale rollout-restart strategic-merge-patch merge-patch json-patch delete-pod create])`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fix.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFixValidateNewOperations(t *testing.T) {
	target := Target{Kind: "deployment", Namespace: "shop", Name: "api"}
	tests := []struct {
		name string
		fix  Fix
		want string
	}{
		{"set-resources", Fix{Target: target, Operation: OpSetResources, Rationale: "r",
			Resources: &Resources{Requests: map[string]string{"cpu": "100m"}, Limits: map[string]string{"memory": "256Mi", "example.com/gpu": "1"}}}, ""},
		{"set-resources without resources", Fix{Target: target, Operation: OpSetResources, Rationale: "r"}, "fix: missing resources (requests and/or limits)"},
		{"set-resources with a bad quantity", Fix{Target: target, Operation: OpSetResources, Rationale: "r",
			Resources: &Resources{Limits: map[string]string{"memory": "lots"}}}, `fix: resources.limits.memory="lots" is not a quantity`},
		{"set-resources with a bad name", Fix{Target: target, Operation: OpSetResources, Rationale: "r",
			Resources: &Resources{Requests: map[string]string{"cpus": "1"}}}, `fix: resources.requests has "cpus", which is not a resource name`},
		{"delete-pod", Fix{Target: Target{Kind: "pod", Namespace: "shop", Name: "api-1"}, Operation: OpDeletePod, Rationale: "r"}, ""},
		{"create", Fix{Target: Target{Kind: "configmap", Namespace: "shop", Name: "c"}, Operation: OpCreate, Rationale: "r", Manifest: json.RawMessage(`{}`)}, ""},
		{"create without manifest", Fix{Target: target, Operation: OpCreate, Rationale: "r"}, "fix: missing manifest"},
		{"create with a manifest that is not JSON", Fix{Target: target, Operation: OpCreate, Rationale: "r", Manifest: json.RawMessage(`kind: x`)}, "fix: manifest is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fix.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}
