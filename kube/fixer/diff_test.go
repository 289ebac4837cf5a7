package fixer

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/kube"
)

// TestFixerDiffShowsMaskedChanges: a fix that changes only a masked value
// shows a changed line (the value the fix wrote in full, the cluster's
// own values as distinct HMAC marks) and is not refused as changing
// nothing; the cluster's secrets never show.
func TestFixerDiffShowsMaskedChanges(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.Apply(t, ns, []byte(`
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {log_level: debug}
binaryData: {blob: AAEC}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 0
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: registry.example/api:1
        env:
        - {name: API_TOKEN, value: cluster-old-token-1}
        - {name: API_TOKEN_NEXT, value: cluster-new-token-2}
        - {name: OAUTH_TOKEN_URL, value: "https://auth.example/old"}
`))
	deploy := kube.Target{Kind: "deployment", Namespace: ns, Name: "api"}
	envPath := "/spec/template/spec/containers/0/env/"
	tests := []struct {
		name    string
		fix     kube.Fix
		changed []string // patterns, each matching a changed line
	}{
		{"binaryData written by the fix",
			kube.Fix{Target: kube.Target{Kind: "configmap", Namespace: ns, Name: "app-config"}, Operation: kube.OpMergePatch, Rationale: "r",
				Patch: json.RawMessage(`{"binaryData":{"blob":"AAED"}}`)},
			[]string{`^-  blob: '\[REDACTED hmac:[0-9a-f]{8}\] \(4 bytes\)'$`, `^\+  blob: AAED$`}},
		{"a token the fix wrote",
			kube.Fix{Target: deploy, Operation: kube.OpSetEnv, Container: "api", Env: map[string]string{"API_TOKEN": "model-written-token"}, Rationale: "r"},
			[]string{`^-\s+value: '\[REDACTED hmac:[0-9a-f]{8}\]'$`, `^\+\s+value: model-written-token$`}},
		{"a token copied from the cluster",
			kube.Fix{Target: deploy, Operation: kube.OpJSONPatch, Rationale: "r",
				Patch: json.RawMessage(`[{"op":"copy","from":"` + envPath + `1/value","path":"` + envPath + `0/value"}]`)},
			[]string{`^-\s+value: '\[REDACTED hmac:[0-9a-f]{8}\]'$`, `^\+\s+value: '\[REDACTED hmac:[0-9a-f]{8}\]'$`}},
		{"a URL under a token-like name",
			kube.Fix{Target: deploy, Operation: kube.OpSetEnv, Container: "api", Env: map[string]string{"OAUTH_TOKEN_URL": "https://auth.example/new"}, Rationale: "r"},
			[]string{`^-\s+value: https://auth.example/old$`, `^\+\s+value: https://auth.example/new$`}},
	}
	f := newFixer(t, Policy{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := f.Preview(t.Context(), tt.fix)
			if err != nil {
				t.Fatal(err)
			}
			lines := changedLines(p.Diff)
			if len(lines) != len(tt.changed) {
				t.Fatalf("changed lines %q, want %d matching %q:\n%s", lines, len(tt.changed), tt.changed, p.Diff)
			}
			for i, want := range tt.changed {
				if !regexp.MustCompile(want).MatchString(lines[i]) {
					t.Errorf("changed line %q does not match %s:\n%s", lines[i], want, p.Diff)
				}
			}
			if len(lines) == 2 && lines[0][1:] == lines[1][1:] {
				t.Errorf("the change reads as no change: %q", lines)
			}
			for _, secret := range []string{"cluster-old-token", "cluster-new-token", "AAEC"} {
				if strings.Contains(p.Diff, secret) {
					t.Errorf("the diff shows the cluster's secret %q:\n%s", secret, p.Diff)
				}
			}
		})
	}
}
