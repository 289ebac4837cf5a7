package kube

import (
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/canary"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestRedactorTextForms(t *testing.T) {
	for _, f := range canary.Forms() {
		t.Run(f.Name, func(t *testing.T) {
			out := Redactor{}.Text(f.Text)
			for _, s := range f.Secrets {
				if strings.Contains(out, s) {
					t.Errorf("Text(%q) = %q: %q survives", f.Text, out, s)
				}
			}
			if !strings.Contains(out, Redacted) {
				t.Errorf("Text(%q) = %q: nothing masked", f.Text, out)
			}
		})
	}
}

// TestRedactorTextKeepsOrdinaryText guards against false positives.
func TestRedactorTextKeepsOrdinaryText(t *testing.T) {
	for _, in := range []string{
		"key: app",
		"topologyKey: kubernetes.io/hostname",
		"tokenExpirationSeconds: 3607",
		"OAUTH_TOKEN_URL=https://auth.example/token",
		"bypass the cache with --no-cache --port 8080",
		"12:30:45 started",
		"GET http://backend-svc:8080/healthz?user=a@b",
		"-----BEGIN CERTIFICATE-----\nMIICAAAAAAAAAAAAAAAAAAAAAAAA\n-----END CERTIFICATE-----",
		"<name>shop</name><port>80</port>",
		"machine learning is fun",
	} {
		if got := (Redactor{}).Text(in); got != in {
			t.Errorf("Text(%q) = %q, want it unchanged", in, got)
		}
	}
}

func TestRedactorObjectKeys(t *testing.T) {
	in := map[string]any{
		"apiVersion": "example.com/v1", "kind": "Database",
		"metadata": map[string]any{"name": "db", "annotations": map[string]any{"example.com/db-password": "ann-pw", "example.com/owner": "team-a"},
			"labels": map[string]any{"app": "db"}},
		"spec": map[string]any{
			"auth":   map[string]any{"password": "crd-pw", "username": "app", "key": "bare-key", "port": int64(5432), "signingKey": int64(12345)},
			"values": map[string]any{"postgresql": map[string]any{"auth": map[string]any{"postgresPassword": "helm-pw"}}},
			"set":    []any{map[string]any{"name": "redis.password", "value": "set-pw"}, map[string]any{"name": "replicas", "value": int64(2)}},
			"template": map[string]any{"spec": map[string]any{
				"automountServiceAccountToken": false,
				"containers": []any{map[string]any{
					"args":    []any{"--db-password", "arg-pw", "--port", "80"},
					"command": []any{"/app", "-api-token", "cmd-tok"},
					"env": []any{map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": "password"}}},
						map[string]any{"name": "OAUTH_TOKEN_URL", "value": "https://auth.example/token"}},
				}},
				"tolerations": []any{map[string]any{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}},
				"affinity":    map[string]any{"podAntiAffinity": map[string]any{"topologyKey": "kubernetes.io/hostname"}},
				"volumes": []any{map[string]any{"name": "tok", "projected": map[string]any{"sources": []any{map[string]any{
					"serviceAccountToken": map[string]any{"expirationSeconds": int64(3607), "path": "token"}},
					map[string]any{"secret": map[string]any{"name": "tls", "items": []any{map[string]any{"key": "tls.key", "path": "tls.key"}}}}}}}},
			}},
		},
	}
	want := map[string]any{
		"apiVersion": "example.com/v1", "kind": "Database",
		"metadata": map[string]any{"name": "db", "annotations": map[string]any{"example.com/db-password": Redacted, "example.com/owner": "team-a"},
			"labels": map[string]any{"app": "db"}},
		"spec": map[string]any{
			"auth":   map[string]any{"password": Redacted, "username": "app", "key": Redacted, "port": int64(5432), "signingKey": Redacted},
			"values": map[string]any{"postgresql": map[string]any{"auth": map[string]any{"postgresPassword": Redacted}}},
			"set":    []any{map[string]any{"name": "redis.password", "value": Redacted}, map[string]any{"name": "replicas", "value": int64(2)}},
			"template": map[string]any{"spec": map[string]any{
				"automountServiceAccountToken": false,
				"containers": []any{map[string]any{
					"args":    []any{"--db-password", Redacted, "--port", "80"},
					"command": []any{"/app", "-api-token", Redacted},
					"env": []any{map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": "password"}}},
						map[string]any{"name": "OAUTH_TOKEN_URL", "value": "https://auth.example/token"}},
				}},
				"tolerations": []any{map[string]any{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}},
				"affinity":    map[string]any{"podAntiAffinity": map[string]any{"topologyKey": "kubernetes.io/hostname"}},
				"volumes": []any{map[string]any{"name": "tok", "projected": map[string]any{"sources": []any{map[string]any{
					"serviceAccountToken": map[string]any{"expirationSeconds": int64(3607), "path": "token"}},
					map[string]any{"secret": map[string]any{"name": "tls", "items": []any{map[string]any{"key": "tls.key", "path": "tls.key"}}}}}}}},
			}},
		},
	}
	u := &unstructured.Unstructured{Object: in}
	Redactor{}.Object(u)
	if diff := cmp.Diff(want, u.Object); diff != "" {
		t.Errorf("Object (-want +got):\n%s", diff)
	}
}

func TestRedactorFingerprint(t *testing.T) {
	obj := func(pw, blob string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"kind": "ConfigMap", "metadata": map[string]any{"name": "x"},
			"data": map[string]any{"OAUTH_TOKEN": pw, "log": "password=" + pw}, "binaryData": map[string]any{"blob": blob}}}
	}
	red := Redactor{Fingerprint: []byte("0123456789abcdef0123456789abcdef")}
	a, b, c := obj("old-value", "AAEC"), obj("old-value", "AAEC"), obj("new-value", "AAED")
	for _, u := range []*unstructured.Unstructured{a, b, c} {
		red.Object(u)
	}
	if diff := cmp.Diff(a.Object, b.Object); diff != "" {
		t.Errorf("equal values render differently (-a +b):\n%s", diff)
	}
	data := func(u *unstructured.Unstructured, m, k string) string {
		return u.Object[m].(map[string]any)[k].(string)
	}
	for _, k := range []string{"OAUTH_TOKEN", "log"} {
		if data(a, "data", k) == data(c, "data", k) {
			t.Errorf("a changed %s renders as unchanged: %q", k, data(a, "data", k))
		}
		if strings.Contains(data(a, "data", k), "old-value") || !strings.Contains(data(a, "data", k), "[REDACTED hmac:") {
			t.Errorf("%s = %q, want an hmac mark", k, data(a, "data", k))
		}
	}
	if got := data(a, "binaryData", "blob"); got == data(c, "binaryData", "blob") || !strings.HasSuffix(got, " (4 bytes)") {
		t.Errorf("binaryData blob = %q vs %q, want different marks with sizes", got, data(c, "binaryData", "blob"))
	}
	if (Redactor{Fingerprint: []byte("another key")}).Text("password=old-value") == red.Text("password=old-value") {
		t.Error("the mark does not depend on the key: a guess can be tested offline")
	}

	red.Reveal = func(v string) bool { return v == "new-value" }
	if got, want := red.Text("password=new-value\ntoken=old-value"), "password=new-value\ntoken=[REDACTED hmac:"; !strings.HasPrefix(got, want) {
		t.Errorf("with Reveal, Text = %q, want prefix %q", got, want)
	}
}
