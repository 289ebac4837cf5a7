package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestRedactorText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain text", "FATAL: LISTEN_PORT=\"eighty\" is not a port number", "FATAL: LISTEN_PORT=\"eighty\" is not a port number"},
		{"key=value", "connecting with password=hunter2 user=app", "connecting with password=[REDACTED] user=app"},
		{"env style", "DB_PASSWORD: s3cr3t!@#", "DB_PASSWORD: [REDACTED]"},
		{"describe env", "      API_TOKEN:  abc123\n      LOG_LEVEL:  debug", "      API_TOKEN:  [REDACTED]\n      LOG_LEVEL:  debug"},
		{"describe env, secret first", "    Environment:\n      DB_PASSWORD:  hunter2\n      LOG_LEVEL:    debug", "    Environment:\n      DB_PASSWORD:  [REDACTED]\n      LOG_LEVEL:    debug"},
		{"assignment after a heading", "ERROR: password=hunter2 rejected", "ERROR: password=[REDACTED] rejected"},
		{"assignment inside a value", "env: DB_PASSWORD=hunter2", "env: DB_PASSWORD=[REDACTED]"},
		{"JSON log", `{"level":"error","password":"hunter2","user":"bob"}`, `{"level":"error","password":"[REDACTED]","user":"bob"}`},
		{"command-line flag", "--db-password=hunter2 --port=80", "--db-password=[REDACTED] --port=80"},
		{"URL userinfo", "dsn postgres://app:hunter2@db:5432/shop?sslmode=off", "dsn postgres://app:[REDACTED]@db:5432/shop?sslmode=off"},
		{"URL without password", "GET http://backend-svc:8080/healthz", "GET http://backend-svc:8080/healthz"},
		{"bearer header", "Authorization: Bearer abcdefghijklmnop1234", "Authorization: [REDACTED]"},
		{"basic header", "Authorization: Basic dXNlcjpodW50ZXIy", "Authorization: [REDACTED]"},
		{"basic header in JSON", `{"Authorization":"Basic dXNlcjpodW50ZXIy"}`, `{"Authorization":"[REDACTED]"}`},
		{"prose about basic auth", "basic authentication is disabled", "basic authentication is disabled"},
		{"JWT", "session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok", "session [REDACTED] ok"},
		{"AWS access key id", "using AKIAIOSFODNN7EXAMPLE for s3", "using [REDACTED] for s3"},
		{"GitHub token", "clone with ghp_abcdefghijklmnopqrstuvwxyz0123456789", "clone with [REDACTED]"},
		{"Slack token", "SLACK=xoxb-123456789012-abcdefghij", "SLACK=[REDACTED]"},
		{"PEM private key", "key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\nkqhkiG9w0BAQEF\n-----END PRIVATE KEY-----\ndone", "key:\n[REDACTED]\ndone"},
		{"PEM certificate is public", "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----"},
		{"secret reference", "      DB_PASSWORD:  <set to the key 'password' in secret 'db'>  Optional: false", "      DB_PASSWORD:  <set to the key 'password' in secret 'db'>  Optional: false"},
		{"already redacted", "password=[REDACTED]", "password=[REDACTED]"},
		{
			"describe ConfigMap data",
			"Data\n====\nlog_level:\n----\ndebug\n\nsmtp_password:\n----\nhunter2\nand more\n\ntls.key:\n----\nabc\n\n\nBinaryData\n====\n\nEvents:  <none>",
			"Data\n====\nlog_level:\n----\ndebug\n\nsmtp_password:\n----\n[REDACTED]\n\ntls.key:\n----\n[REDACTED]\n\n\nBinaryData\n====\n\nEvents:  <none>",
		},
		{"describe volume fields are not credentials",
			"    SecretName:  db-creds\n    TokenExpirationSeconds:  3607",
			"    SecretName:  db-creds\n    TokenExpirationSeconds:  3607"},
		{
			"only simulation annotations",
			"Labels:           app=web\nAnnotations:      kwok.x-k8s.io/crashloop: true\n                  kwok.x-k8s.io/crashloop-exit-code: 3\nStatus:           Running",
			"Labels:           app=web\nAnnotations:      <none>\nStatus:           Running",
		},
		{
			"simulation annotation first, real one after",
			"Annotations:        kwok.x-k8s.io/node: fake\n                    node.alpha.kubernetes.io/ttl: 0\nCreationTimestamp:  today",
			"Annotations:        node.alpha.kubernetes.io/ttl: 0\nCreationTimestamp:  today",
		},
		{
			"simulation annotation after a real one",
			"Annotations:  deployment.kubernetes.io/revision: 1\n              kwok.x-k8s.io/crashloop: true\nSelector:     app=web",
			"Annotations:  deployment.kubernetes.io/revision: 1\nSelector:     app=web",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Redactor{HiddenKeys: simulator.KeyPrefixes}.Text(tt.in)); diff != "" {
				t.Errorf("Text(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestSensitiveName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"PASSWORD", true},
		{"DB_PASSWORD", true},
		{"dbPassword", true},
		{"POSTGRES_PASSWD", true},
		{"API_TOKEN", true},
		{"GITHUB_TOKEN", true},
		{"api-key", true},
		{"APIKEY", true},
		{"AWS_SECRET_ACCESS_KEY", true},
		{"client_secret", true},
		{"tls.key", true},
		{"ssh-privatekey", true},
		{"Authorization", true},
		{"SENTRY_DSN", true},
		{"session_cookie", true},
		{"credentials.json", true},
		{"passphrase", true},
		// A plural may be a list of tokens: masked, though MAX_TOKENS is a number.
		{"MAX_TOKENS", true},

		{"", false},
		{"LISTEN_PORT", false},
		{"LOG_LEVEL", false},
		{"MONKEY_COUNT", false},
		{"KEYBOARD_LAYOUT", false},
		{"BYPASS_CACHE", false},
		{"PASSENGER_COUNT", false},
		{"COMPASS_HEADING", false},
		{"DATABASE_HOST", false},
		{"USERNAME", false},
		{"BACKEND_URL", false},
		// References to a credential, not the credential.
		{"SecretName", false},
		{"secretName", false},
		{"SECRET_NAME", false},
		{"PASSWORD_FILE", false},
		{"TLS_KEY_PATH", false},
		{"TokenExpirationSeconds", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SensitiveName(tt.name); got != tt.want {
				t.Errorf("SensitiveName(%q) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestRedactorObject(t *testing.T) {
	meta := func(extra map[string]any) map[string]any {
		m := map[string]any{"name": "x", "namespace": "shop"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name     string
		in, want map[string]any
	}{
		{
			name: "simulation markers, last-applied and managedFields",
			in: map[string]any{"kind": "Deployment", "metadata": meta(map[string]any{
				"annotations":   map[string]any{"kwok.x-k8s.io/crashloop": "true", "deployment.kubernetes.io/revision": "2", lastApplied: `{"env":[{"name":"DB_PASSWORD","value":"hunter2"}]}`},
				"labels":        map[string]any{"kwok.x-k8s.io/fake": "yes", "app": "web"},
				"managedFields": []any{map[string]any{"manager": "kubectl"}},
			}), "spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
				"annotations": map[string]any{"kwok.x-k8s.io/crashloop": "true", "kwok.x-k8s.io/crashloop-exit-code": "3", "prometheus.io/scrape": "true"},
				"labels":      map[string]any{"app": "web", "kwok.x-k8s.io/x": "y"},
			}}}},
			want: map[string]any{"kind": "Deployment", "metadata": meta(map[string]any{
				"annotations": map[string]any{"deployment.kubernetes.io/revision": "2", lastApplied: "[REDACTED] (a full copy of the object; read the object instead)"},
				"labels":      map[string]any{"app": "web"},
			}), "spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
				"annotations": map[string]any{"prometheus.io/scrape": "true"},
				"labels":      map[string]any{"app": "web"},
			}}}},
		},
		{
			name: "only simulation annotations",
			in:   map[string]any{"kind": "Pod", "metadata": meta(map[string]any{"annotations": map[string]any{"kwok.x-k8s.io/crashloop": "true"}})},
			want: map[string]any{"kind": "Pod", "metadata": meta(nil)},
		},
		{
			name: "env values by name, every string by pattern",
			in: map[string]any{"kind": "Pod", "metadata": meta(nil), "spec": map[string]any{"containers": []any{map[string]any{
				"name": "api",
				"args": []any{"--db-password=hunter2", "--port=80"},
				"env": []any{
					map[string]any{"name": "LOG_LEVEL", "value": "debug"},
					map[string]any{"name": "DB_PASSWORD", "value": "hunter2"},
					map[string]any{"name": "DATABASE_URL", "value": "postgres://app:hunter2@db/shop"},
					map[string]any{"name": "API_TOKEN", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "api", "key": "token"}}},
				},
			}}}},
			want: map[string]any{"kind": "Pod", "metadata": meta(nil), "spec": map[string]any{"containers": []any{map[string]any{
				"name": "api",
				"args": []any{"--db-password=[REDACTED]", "--port=80"},
				"env": []any{
					map[string]any{"name": "LOG_LEVEL", "value": "debug"},
					map[string]any{"name": "DB_PASSWORD", "value": "[REDACTED]"},
					map[string]any{"name": "DATABASE_URL", "value": "postgres://app:[REDACTED]@db/shop"},
					map[string]any{"name": "API_TOKEN", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "api", "key": "token"}}},
				},
			}}}},
		},
		{
			name: "Secret values become sizes",
			in:   map[string]any{"kind": "Secret", "metadata": meta(nil), "type": "Opaque", "data": map[string]any{"password": "aHVudGVyMg=="}, "stringData": map[string]any{"token": "abc"}},
			want: map[string]any{"kind": "Secret", "metadata": meta(nil), "type": "Opaque", "data": map[string]any{"password": "[REDACTED] (12 bytes)"}, "stringData": map[string]any{"token": "[REDACTED] (3 bytes)"}},
		},
		{
			name: "ConfigMap keys by name and values by pattern",
			in: map[string]any{"kind": "ConfigMap", "metadata": meta(nil), "binaryData": map[string]any{"blob": "AAEC"}, "data": map[string]any{
				"log_level": "debug", "smtp_password": "hunter2", "url": "mysql://root:hunter2@db/shop", "app.properties": "db.password=hunter2\nport=80",
			}},
			want: map[string]any{"kind": "ConfigMap", "metadata": meta(nil), "binaryData": map[string]any{"blob": "[REDACTED] (4 bytes)"}, "data": map[string]any{
				"log_level": "debug", "smtp_password": "[REDACTED]", "url": "mysql://root:[REDACTED]@db/shop", "app.properties": "db.password=[REDACTED]\nport=80",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: tt.in}
			Redactor{HiddenKeys: simulator.KeyPrefixes}.Object(u)
			if diff := cmp.Diff(tt.want, u.Object); diff != "" {
				t.Errorf("Object (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRedactorFinding(t *testing.T) {
	in := Finding{
		Object: ObjectRef{Kind: "Pod", Namespace: "shop", Name: "api"}, Severity: Critical, Reason: "CrashLoopBackOff",
		Message:  "Container api exits: password=hunter2",
		Evidence: []string{"container: api", "log: Authorization: Bearer abcdefghijklmnop1234"},
		Fix:      "set DB_PASSWORD=correct-horse",
	}
	want := in
	want.Message = "Container api exits: password=[REDACTED]"
	want.Evidence = []string{"container: api", "log: Authorization: [REDACTED]"}
	want.Fix = "set DB_PASSWORD=[REDACTED]"
	if diff := cmp.Diff(want, Redactor{}.Finding(in)); diff != "" {
		t.Errorf("Finding (-want +got):\n%s", diff)
	}
	if in.Evidence[1] != "log: Authorization: Bearer abcdefghijklmnop1234" {
		t.Errorf("Finding changed its argument's evidence: %q", in.Evidence)
	}
}
