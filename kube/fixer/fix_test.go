package fixer

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/kube"
)

func TestPolicyCheck(t *testing.T) {
	fix := func(ns string) kube.Fix { return kube.Fix{Target: kube.Target{Namespace: ns}} }
	tests := []struct {
		name   string
		policy Policy
		fix    kube.Fix
		kind   string
		want   string // the start of the refusal; "" when allowed
	}{
		{"deployment", Policy{}, fix("shop"), "Deployment", ""},
		{"configmap", Policy{}, fix("shop"), "ConfigMap", ""},
		{"statefulset", Policy{}, fix("shop"), "StatefulSet", ""},
		{"secret", Policy{}, fix("shop"), "Secret", "policy: kubertnetes does not propose changes to Secret objects"},
		{"node", Policy{}, fix("shop"), "Node", "policy: kubertnetes does not propose changes to Node objects"},
		{"cluster role", Policy{}, fix("shop"), "ClusterRole", "policy: kubertnetes does not propose changes to ClusterRole objects"},
		{"role binding", Policy{}, fix("shop"), "RoleBinding", "policy: kubertnetes does not propose changes to RoleBinding objects"},
		{"kube-system", Policy{}, fix("kube-system"), "Deployment", "policy: changes in namespace kube-system are refused unless allowed in configuration"},
		{"kube-public", Policy{AllowNamespaces: []string{"kube-system"}}, fix("kube-public"), "ConfigMap", "policy: changes in namespace kube-public are refused"},
		{"kube-system allowed", Policy{AllowNamespaces: []string{"kube-system"}}, fix("kube-system"), "Deployment", ""},
		{"allowed namespace does not allow a kind", Policy{AllowNamespaces: []string{"kube-system"}}, fix("kube-system"), "Secret", "policy: kubertnetes does not propose changes to Secret objects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gk, namespaced := resolvedKind(tt.kind)
			err := tt.policy.Check(tt.fix, gk, namespaced)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check refused: %v", err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("Check = %v, want a refusal starting %q", err, tt.want)
			}
		})
	}
}

func TestFixPatch(t *testing.T) {
	cur := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "api", "namespace": "shop", "resourceVersion": "42"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "api"}, map[string]any{"name": "sidecar"},
		}}}},
	}}
	target := kube.Target{Kind: "deployment", Namespace: "shop", Name: "api"}
	three := int32(3)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name    string
		fix     kube.Fix
		wantPT  types.PatchType
		want    string
		wantErr string
	}{
		{"set-env, keys sorted", kube.Fix{Target: target, Operation: kube.OpSetEnv, Container: "api", Env: map[string]string{"Z": "1", "A": "2"}},
			types.StrategicMergePatchType, `{"metadata":{"resourceVersion":"42"},"spec":{"template":{"spec":{"containers":[{"env":[{"name":"A","value":"2"},{"name":"Z","value":"1"}],"name":"api"}]}}}}`, ""},
		{"set-image", kube.Fix{Target: target, Operation: kube.OpSetImage, Container: "sidecar", Image: "busybox:1.37"},
			types.StrategicMergePatchType, `{"metadata":{"resourceVersion":"42"},"spec":{"template":{"spec":{"containers":[{"image":"busybox:1.37","name":"sidecar"}]}}}}`, ""},
		{"scale", kube.Fix{Target: target, Operation: kube.OpScale, Replicas: &three},
			types.MergePatchType, `{"metadata":{"resourceVersion":"42"},"spec":{"replicas":3}}`, ""},
		{"rollout-restart in UTC", kube.Fix{Target: target, Operation: kube.OpRolloutRestart},
			types.StrategicMergePatchType, `{"metadata":{"resourceVersion":"42"},"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-01-02T02:04:05Z"}}}}}`, ""},
		{"merge patch keeps its metadata", kube.Fix{Target: target, Operation: kube.OpMergePatch, Patch: json.RawMessage(`{"metadata":{"labels":{"a":"b"}}}`)},
			types.MergePatchType, `{"metadata":{"labels":{"a":"b"},"resourceVersion":"42"}}`, ""},
		{"json-patch is guarded by a test", kube.Fix{Target: target, Operation: kube.OpJSONPatch, Patch: json.RawMessage(`[{"op":"remove","path":"/spec/paused"}]`)},
			types.JSONPatchType, `[{"op":"test","path":"/metadata/resourceVersion","value":"42"},{"op":"remove","path":"/spec/paused"}]`, ""},
		{"json-patch that is an object", kube.Fix{Target: target, Operation: kube.OpJSONPatch, Patch: json.RawMessage(`{"op":"remove"}`)},
			"", "", "json-patch must be an array of operations"},
		{"strategic merge that is an array", kube.Fix{Target: target, Operation: kube.OpStrategicMerge, Patch: json.RawMessage(`[]`)},
			"", "", "strategic-merge-patch must be a JSON object"},
		{"container not named among several", kube.Fix{Target: target, Operation: kube.OpSetEnv, Env: map[string]string{"A": "1"}},
			"", "", "deployment/api in namespace shop has containers api, sidecar: name the one to change"},
		{"unknown container", kube.Fix{Target: target, Operation: kube.OpSetImage, Container: "web", Image: "x"},
			"", "", `deployment/api in namespace shop has no container "web" (it has api, sidecar)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, patch, err := patchFor(tt.fix, cur, now)
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("patch error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pt != tt.wantPT {
				t.Errorf("patch type %s, want %s", pt, tt.wantPT)
			}
			if diff := cmp.Diff(tt.want, string(patch)); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
		})
	}
}
