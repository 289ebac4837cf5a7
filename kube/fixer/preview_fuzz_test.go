package fixer

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"github.com/kubertnetes/kubertnetes/kube"
)

// fuzzDeployment is the live object FuzzPreview compiles fixes against.
const fuzzDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  resourceVersion: "4711"
  uid: 7d8c5a52-2f0e-4a8e-9d1b-1f6f4b1c2d3e
  labels: {app: api}
  annotations: {deployment.kubernetes.io/revision: "3"}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: registry.example.com/shop/api:1.4.2
        env:
        - {name: LISTEN_PORT, value: "8080"}
        - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: 8080}}
        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}
      - name: sidecar
        image: registry.example.com/shop/proxy:2.0
status:
  replicas: 2
  availableReplicas: 1
`

// FuzzPreview compiles any fix Validate accepts against a fixed
// Deployment and applies the patch client-side, as the API server's dry
// run would, then diffs before and after: the pure half of Preview. It
// never panics, and a compiled patch always pins the previewed
// resourceVersion, so Approve cannot apply it to an object that changed
// since the approver saw the diff. Seeds: testdata/fuzz/FuzzPreview.
func FuzzPreview(f *testing.F) {
	var live unstructured.Unstructured
	if err := yaml.Unmarshal([]byte(fuzzDeployment), &live.Object); err != nil {
		f.Fatal(err)
	}
	original, err := json.Marshal(live.Object)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	fx := &Fixer{now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, op string, patch, manifest, rest []byte) {
		fix := kube.Fix{Target: kube.Target{Kind: "Deployment", Namespace: "shop", Name: "api"}, Rationale: "fuzz"}
		_ = json.Unmarshal(rest, &fix) // the other fields the model sent
		fix.Operation = kube.Operation(op)
		fix.Patch, fix.Manifest = json.RawMessage(patch), json.RawMessage(manifest)
		if fix.Validate() != nil {
			return
		}
		switch fix.Operation {
		case kube.OpCreate:
			checkManifest(t, fix)
			return
		case kube.OpDeletePod:
			return
		}
		cur := live.DeepCopy()
		pt, compiled, err := patchFor(fix, cur, now)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("patchFor refused with an empty error")
			}
			return
		}
		after, ok := applyLocally(t, pt, original, compiled)
		if !ok {
			return // the API server would refuse it too; Preview reports its error
		}
		// A json-patch is pinned by its leading test operation (checked in
		// applyLocally); the others carry the version in the object.
		if got := after.GetResourceVersion(); pt != types.JSONPatchType && after.GetName() != "" && got != "4711" {
			t.Fatalf("%s patch %s: resourceVersion after = %q, want the previewed 4711 pinned", pt, compiled, got)
		}
		// The content policy reads whatever the patch made of the object.
		if err := (Policy{}).CheckChange(fix.Target, schema.GroupKind{Group: "apps", Kind: "Deployment"}, cur, after); err != nil && !errors.Is(err, ErrRefused) {
			t.Fatalf("content policy failed without a refusal: %v", err)
		}
		if _, err := fx.diff(cur, after, "after fix", compiled); err != nil && strings.TrimSpace(err.Error()) == "" {
			t.Fatal("diff failed with an empty error")
		}
	})
}

// applyLocally applies a compiled patch to the original object as the API
// server does; false when the patch does not apply.
func applyLocally(t *testing.T, pt types.PatchType, original, patch []byte) (*unstructured.Unstructured, bool) {
	t.Helper()
	var out []byte
	var err error
	switch pt {
	case types.StrategicMergePatchType:
		out, err = strategicpatch.StrategicMergePatch(original, patch, appsv1.Deployment{})
	case types.MergePatchType:
		out, err = jsonpatch.MergePatch(original, patch)
	case types.JSONPatchType:
		var ops jsonpatch.Patch
		if ops, err = jsonpatch.DecodePatch(patch); err == nil {
			if len(ops) == 0 || ops[0].Kind() != "test" {
				t.Fatalf("json-patch %s does not start by testing the resourceVersion", patch)
			}
			out, err = ops.Apply(original)
		}
	default:
		t.Fatalf("patchFor returned patch type %q", pt)
	}
	if err != nil {
		return nil, false
	}
	after := &unstructured.Unstructured{}
	if err := json.Unmarshal(out, &after.Object); err != nil || after.Object == nil {
		return nil, false
	}
	return after, true
}

// checkManifest asserts create's manifest decodes to the target or is
// refused with a reason.
func checkManifest(t *testing.T, fix kube.Fix) {
	t.Helper()
	fix.Target.Kind = "ConfigMap"
	obj, err := manifest(kube.Preview{Fix: fix, Kind: "ConfigMap", Version: "v1", Resource: "configmaps"})
	if err != nil {
		if strings.TrimSpace(err.Error()) == "" {
			t.Fatal("manifest refused with an empty error")
		}
		return
	}
	if obj.GetName() != fix.Target.Name || obj.GetNamespace() != fix.Target.Namespace || obj.GetKind() != "ConfigMap" {
		t.Fatalf("manifest %s became %s %s/%s, not the target %s", fix.Manifest, obj.GetKind(), obj.GetNamespace(), obj.GetName(), fix.Target)
	}
}
