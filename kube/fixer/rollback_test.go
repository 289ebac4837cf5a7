package fixer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubertnetes/kubertnetes/kube"
)

func obj(apiVersion, kind string, spec map[string]any, labels map[string]any) *unstructured.Unstructured {
	md := map[string]any{"name": "api", "namespace": "shop"}
	if labels != nil {
		md["labels"] = labels
	}
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": md, "spec": spec}}
}

func containers(env ...any) map[string]any {
	return map[string]any{"replicas": int64(1), "template": map[string]any{"spec": map[string]any{"containers": []any{
		map[string]any{"name": "api", "image": "api:1", "env": env},
		map[string]any{"name": "sidecar", "image": "proxy:1"},
	}}}}
}

func env(name, value string) map[string]any { return map[string]any{"name": name, "value": value} }

func TestRollbackRestoresExactlyWhatChanged(t *testing.T) {
	applied := func(op kube.Operation, before, after *unstructured.Unstructured) Applied {
		return Applied{Preview: kube.Preview{Fix: kube.Fix{Target: kube.Target{Kind: "deploy", Namespace: "shop", Name: "api"}, Operation: op}, Kind: before.GetKind(), PatchHash: "abcdef0123456789"},
			Before: before, After: after, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	}
	tests := []struct {
		name    string
		a       Applied
		wantOp  kube.Operation
		want    string
		wantErr string
	}{
		{"changed env value (strategic: by name, other containers untouched)",
			applied(kube.OpSetEnv, obj("apps/v1", "Deployment", containers(env("PORT", "eighty")), nil), obj("apps/v1", "Deployment", containers(env("PORT", "81")), nil)),
			kube.OpStrategicMerge, `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"api"},{"name":"sidecar"}],"containers":[{"$setElementOrder/env":[{"name":"PORT"}],"env":[{"name":"PORT","value":"eighty"}],"name":"api"}]}}}}`, ""},
		{"added env var is removed",
			applied(kube.OpSetEnv, obj("apps/v1", "Deployment", containers(env("A", "1")), nil), obj("apps/v1", "Deployment", containers(env("A", "1"), env("B", "2")), nil)),
			kube.OpStrategicMerge, `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"api"},{"name":"sidecar"}],"containers":[{"$setElementOrder/env":[{"name":"A"}],"env":[{"$patch":"delete","name":"B"}],"name":"api"}]}}}}`, ""},
		{"scale and a label",
			applied(kube.OpMergePatch, obj("apps/v1", "Deployment", map[string]any{"replicas": int64(1)}, map[string]any{"app": "api"}), obj("apps/v1", "Deployment", map[string]any{"replicas": int64(5)}, map[string]any{"app": "api", "x": "y"})),
			kube.OpStrategicMerge, `{"metadata":{"labels":{"x":null}},"spec":{"replicas":1}}`, ""},
		{"custom resource: a JSON merge patch",
			applied(kube.OpMergePatch, obj("example.com/v1", "Widget", map[string]any{"size": int64(1), "tags": []any{"a"}}, nil), obj("example.com/v1", "Widget", map[string]any{"size": int64(2), "tags": []any{"a", "b"}, "extra": true}, nil)),
			kube.OpMergePatch, `{"spec":{"extra":null,"size":1,"tags":["a"]}}`, ""},
		{"nothing changed in spec", applied(kube.OpMergePatch, obj("apps/v1", "Deployment", containers(), nil), obj("apps/v1", "Deployment", containers(), nil)),
			"", "", "no automatic rollback: the fix changed no field"},
		{"a deleted pod", Applied{Preview: kube.Preview{Fix: kube.Fix{Operation: kube.OpDeletePod}}}, "", "", "no automatic rollback: a deleted pod cannot be restored"},
		{"a created object", Applied{Preview: kube.Preview{Fix: kube.Fix{Operation: kube.OpCreate, Target: kube.Target{Kind: "service", Namespace: "shop", Name: "x"}}}}, "", "",
			"no automatic rollback: kubertnetes does not delete what it created; if service/x in namespace shop should not exist, delete it with kubectl"},
		{"a rollback", Applied{Preview: kube.Preview{Fix: kube.Fix{Operation: kube.OpMergePatch, Undoes: "abc"}}}, "", "", "no automatic rollback: this fix was itself a rollback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fix, err := Rollback(tt.a, "pods crash-loop")
			if tt.wantErr != "" {
				if !errors.Is(err, ErrNoRollback) || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("Rollback error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fix.Operation != tt.wantOp {
				t.Errorf("operation %s, want %s", fix.Operation, tt.wantOp)
			}
			if d := cmp.Diff(tt.want, string(fix.Patch)); d != "" {
				t.Errorf("patch (-want +got):\n%s", d)
			}
			if fix.Undoes != "abcdef0123456789" || fix.Target.Name != "api" || fix.Target.Namespace != "shop" {
				t.Errorf("fix = %+v", fix)
			}
			if want := "Roll back the " + string(tt.a.Preview.Fix.Operation) + " applied at 2026-01-02T03:04:05Z (patch sha256 abcdef012345…): pods crash-loop"; fix.Rationale != want {
				t.Errorf("rationale %q, want %q", fix.Rationale, want)
			}
			if err := fix.Validate(); err != nil {
				t.Errorf("the rollback is not a valid fix: %v", err)
			}
		})
	}
}
