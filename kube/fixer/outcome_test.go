package fixer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/kube"
)

// An apply whose answer was lost is settled from the live object: as
// previewed means not applied; holding the change (even after someone
// else's unrelated write) means applied; changed since in the same place
// means unknown, never a guess.
func TestOutcomeOfALostApply(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	f := newFixer(t, Policy{})
	p, err := f.Preview(t.Context(), setPort(ns, "8080"))
	if err != nil {
		t.Fatal(err)
	}
	outcome := func(want Outcome) {
		t.Helper()
		got, err := f.Outcome(t.Context(), *p)
		if err != nil || got != want {
			t.Fatalf("outcome = %s (%v), want %s", got, err, want)
		}
	}
	outcome(OutcomeNotApplied)
	touch(t, cs, ns, "crashloop-app") // a write to metadata only: still not applied
	outcome(OutcomeNotApplied)
	if p, err = f.Preview(t.Context(), p.Fix); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Apply(t.Context(), *p, Identity{}); err != nil {
		t.Fatal(err)
	}
	outcome(OutcomeApplied)
	touch(t, cs, ns, "crashloop-app") // someone else's unrelated write
	outcome(OutcomeApplied)
	// Someone else sets the same variable: applied then overwritten, or
	// never applied? Unknown.
	undo := `{"spec":{"template":{"spec":{"containers":[{"name":"crashloop-app","env":[{"name":"LISTEN_PORT","value":"9090"}]}]}}}}`
	if _, err := cs.AppsV1().Deployments(ns).Patch(t.Context(), "crashloop-app", types.StrategicMergePatchType, []byte(undo), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	outcome(OutcomeUnknown)
}

func TestWriteWithoutAnAnswerIsUnknownAndAReadFailureIsNot(t *testing.T) {
	target := kube.Target{Kind: "deployment", Namespace: "shop", Name: "web"}
	timeout := apierrors.NewServerTimeout(schema.GroupResource{Resource: "deployments"}, "patch", 1)
	tests := []struct {
		name    string
		err     error
		unknown bool
	}{
		{"patch timed out", sent(fmt.Errorf("patch: %w", context.DeadlineExceeded)), true},
		{"connection dropped", sent(&net.OpError{Op: "read", Err: errors.New("connection reset by peer")}), true},
		{"server timeout", sent(timeout), true},
		{"read before the write timed out", fmt.Errorf("get: %w", context.DeadlineExceeded), false},
		{"write refused", sent(apierrors.NewForbidden(schema.GroupResource{Resource: "deployments"}, "web", errors.New("no"))), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := applyErr(target, Identity{User: "alice"}, tt.err)
			if got := errors.Is(err, ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("unknown = %v, want %v: %v", got, tt.unknown, err)
			}
		})
	}
}

// Admission webhooks echo field values bare; the error that reaches
// people, the model and the audit has them masked, whatever wraps it.
func TestApplyErrorsHideTheValuesTheyEcho(t *testing.T) {
	before := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{
			"name": "web", "env": []any{map[string]any{"name": "DB_PASSWORD", "value": "old-hunter1"}, map[string]any{"name": "PORT", "value": "8080"}},
		}}}}},
	}}
	webhook := func(value string) error {
		return apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web",
			fmt.Errorf(`admission webhook "policy.example.com" denied the request: value %q for DB_PASSWORD is too weak; PORT %s`, value, "8080"))
	}
	tests := []struct {
		name   string
		p      kube.Preview
		echoed string
	}{
		{"set-env value", kube.Preview{Kind: "Deployment", PatchType: "application/strategic-merge-patch+json",
			Patch: []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"DB_PASSWORD","value":"hunter2xyz"}]}]}}}}`)}, "hunter2xyz"},
		{"value already in the object", kube.Preview{Kind: "Deployment", PatchType: "application/merge-patch+json", Patch: []byte(`{"spec":{"replicas":2}}`)}, "old-hunter1"},
		{"json patch into a ConfigMap key", kube.Preview{Kind: "Deployment", PatchType: "application/json-patch+json",
			Patch: []byte(`[{"op":"test","path":"/metadata/resourceVersion","value":"9"},{"op":"replace","path":"/spec/template/spec/containers/0/env/0/value","value":"s3cr3t-json"}]`)}, "s3cr3t-json"},
		{"ConfigMap data", kube.Preview{Kind: "ConfigMap", PatchType: "application/merge-patch+json", Patch: []byte(`{"data":{"api_token":"tok-123456"}}`)}, "tok-123456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := RedactError(kube.Redactor{}, applyErr(kube.Target{Kind: "deployment", Namespace: "shop", Name: "web"}, Identity{User: "alice"}, webhook(tt.echoed)), tt.p, before)
			if strings.Contains(err.Error(), tt.echoed) {
				t.Errorf("the error shows %q: %v", tt.echoed, err)
			}
			if !errors.Is(err, ErrForbidden) || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "PORT 8080") || !strings.Contains(err.Error(), "as alice") {
				t.Errorf("the error lost its cause or its harmless words: %v", err)
			}
		})
	}
}

// A refused dry run echoes the value set-env would set; the preview's
// error, which the model and the offline brain show, has it masked.
func TestPreviewErrorsHideSetEnvValues(t *testing.T) {
	fix := kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: "shop", Name: "web"}, Operation: kube.OpSetEnv, Env: map[string]string{"DB_PASSWORD": "hunter2xyz", "PORT": "8080"}}
	err := RedactError(kube.Redactor{}, fmt.Errorf(`server-side dry run of the fix for %s was refused: admission webhook denied: "hunter2xyz" is weak (PORT 8080)`, fix.Target), kube.Preview{Fix: fix})
	if strings.Contains(err.Error(), "hunter2xyz") || !strings.Contains(err.Error(), "PORT 8080") {
		t.Errorf("preview error: %v", err)
	}
}
