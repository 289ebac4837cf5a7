package agent

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubertnetes/kubertnetes/kube"
)

// previewRecorder is a Previewer that keeps the Fix it was given.
type previewRecorder struct{ got kube.Fix }

func (r *previewRecorder) Plan(_ context.Context, fix kube.Fix) ([]kube.Preview, error) {
	r.got = fix
	return []kube.Preview{{Fix: fix, Diff: "--- a\n+++ b\n"}}, nil
}

// The model-facing contract of propose_fix: the schema accepts every
// operation's fields, and they reach the typed Fix.
func TestProposeFixArguments(t *testing.T) {
	tests := []struct {
		name string
		args string
		want kube.Fix
	}{
		{"set-resources", `{"kind":"Deployment","namespace":"shop","name":"api","operation":"set-resources","container":"api",
			"resources":{"requests":{"cpu":"100m"},"limits":{"memory":"256Mi"}},"rationale":"OOMKilled"}`,
			kube.Fix{Target: kube.Target{Kind: "Deployment", Namespace: "shop", Name: "api"}, Operation: kube.OpSetResources, Container: "api",
				Resources: &kube.Resources{Requests: map[string]string{"cpu": "100m"}, Limits: map[string]string{"memory": "256Mi"}}, Rationale: "OOMKilled"}},
		{"delete-pod", `{"kind":"Pod","namespace":"shop","name":"api-7d9-x2","operation":"delete-pod","rationale":"stuck terminating"}`,
			kube.Fix{Target: kube.Target{Kind: "Pod", Namespace: "shop", Name: "api-7d9-x2"}, Operation: kube.OpDeletePod, Rationale: "stuck terminating"}},
		{"create from YAML", `{"kind":"Service","namespace":"shop","name":"backend-svc","operation":"create","rationale":"missing",
			"manifest":"apiVersion: v1\nkind: Service\nmetadata:\n  name: backend-svc\nspec:\n  selector: {app: backend}\n"}`,
			kube.Fix{Target: kube.Target{Kind: "Service", Namespace: "shop", Name: "backend-svc"}, Operation: kube.OpCreate, Rationale: "missing",
				Manifest: []byte(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"backend-svc"},"spec":{"selector":{"app":"backend"}}}`)}},
	}
	rec := &previewRecorder{}
	reg, err := NewRegistry(proposeTool{rec})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, args, err := reg.Decode("propose_fix", tt.args)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			res, err := tool.Run(context.Background(), args)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, rec.got); d != "" {
				t.Errorf("fix (-want +got):\n%s", d)
			}
			if res.Proposal == nil || !strings.Contains(res.Text, "NOT been applied") {
				t.Errorf("result = %+v", res)
			}
		})
	}
	if _, _, err := reg.Decode("propose_fix", `{"kind":"Pod","namespace":"shop","name":"x","operation":"delete","rationale":"r"}`); err == nil {
		t.Error("an operation outside the enum was accepted")
	}
}
