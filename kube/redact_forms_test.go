package kube

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// A secretForm is one way a secret shows up in text (a log line, a
// describe value, an embedded config file); secrets are the parts of it
// that must not survive redaction.
type secretForm struct {
	name    string
	text    string
	secrets []string
}

// secretForms is every form of secret the redactor knows, in one table;
// the canary test plants them in a cluster and the fuzz target embeds them
// in random text.
var secretForms = []secretForm{
	{"URL with an empty user", "cache redis://:Rz9pwQx7@redis:6379/0 up", []string{"Rz9pwQx7"}},
	{"URL password holding an @", "dsn postgres://app:Pw1@Tail9x@db:5432/shop ok", []string{"Pw1", "Tail9x"}},
	{"camelCase dbPass", "dbPass=Cm1dbPassVal", []string{"Cm1dbPassVal"}},
	{"camelCase encryptionKey", `encryptionKey: "Cm2encKeyVal"`, []string{"Cm2encKeyVal"}},
	{"camelCase signingKey", "signingKey=Cm3signVal", []string{"Cm3signVal"}},
	{"glued PGPASS", "PGPASS=Cm4pgpassVal", []string{"Cm4pgpassVal"}},
	{"clientSecret in JSON", `{"clientSecret":"Cm5clientSec"}`, []string{"Cm5clientSec"}},
	{"connection string AccountKey", "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=Cs1acctKey+/==;EndpointSuffix=core.windows.net", []string{"Cs1acctKey"}},
	{"connection string Password", "Server=db;Database=shop;User Id=app;Password=Cs2connPw;", []string{"Cs2connPw"}},
	{"connection string Pwd", "Driver={ODBC};Uid=app;Pwd=Cs3pwdVal", []string{"Cs3pwdVal"}},
	{"XML element", "<config><password>Xm1elemPw</password></config>", []string{"Xm1elemPw"}},
	{"XML add key value", `<appSettings><add key="DbPassword" value="Xm2addPw"/></appSettings>`, []string{"Xm2addPw"}},
	{"XML property name", `<property name="db.password">Xm3propPw</property>`, []string{"Xm3propPw"}},
	{".netrc", "machine api.example.com login bot password Nr1netrcPw", []string{"Nr1netrcPw"}},
	{".netrc on lines", "machine git.example.com\n  login bot\n  password Nr2netrcPw\n", []string{"Nr2netrcPw"}},
	{".pgpass", "db.example.com:5432:shop:app:Pg1pgpassPw\n*:*:*:postgres:Pg2pgpassPw", []string{"Pg1pgpassPw", "Pg2pgpassPw"}},
	{"Slack webhook URL", "notify https://hooks.slack.com/services/T0ABCDEF/B0GHIJKL/Sw1webhookSecretXyz done", []string{"Sw1webhookSecretXyz", "B0GHIJKL"}},
	{"Stripe live key", "charge with sk_live_St1stripeLive0123", []string{"St1stripeLive0123"}},
	{"Stripe restricted key", "rk_live_St2stripeRestr0123", []string{"St2stripeRestr0123"}},
	{"Stripe test key", "STRIPE=sk_test_St3stripeTest0123", []string{"St3stripeTest0123"}},
	{"PEM key without its BEGIN line", "MIIEpAIBAAKCAQEAPm1pemBodyLineOne\nPm1pemBodyLineTwoAAAA==\n-----END RSA PRIVATE KEY-----\n", []string{"Pm1pemBodyLineOne", "Pm1pemBodyLineTwo"}},
	{"PEM key without its BEGIN line, in JSON", `{"key":"MIIEpAIBAAKCAQEAPm2pemJSONOne\nPm2pemJSONTwoAAAA==\n-----END PRIVATE KEY-----\n"}`, []string{"Pm2pemJSONOne", "Pm2pemJSONTwo"}},
	{"PEM body after PRIVATE KEY", "loading PRIVATE KEY from vault\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nPm3pemNoMarkersAAAAAAAAAA\n", []string{"Pm3pemNoMarkers"}},
	{"PEM key", "-----BEGIN EC PRIVATE KEY-----\nPm4pemWholeAAAA\n-----END EC PRIVATE KEY-----", []string{"Pm4pemWhole"}},
	{"flag and value", "exec /app --db-password Ar1argPw --port 80", []string{"Ar1argPw"}},
	{"flag and value on lines (describe Args)", "    Args:\n      --db-password\n      Ar2argPw\n      --port=80", []string{"Ar2argPw"}},
	{"flag and value in a JSON list", `args: ["--db-password","Ar3argPw"]`, []string{"Ar3argPw"}},
	{"single-dash flag", "/bin/app -api-token Ar4argTok", []string{"Ar4argTok"}},
	{"flag=value", "--db-password=Ar5argPw", []string{"Ar5argPw"}},
	{"ENV=value", "PASSWORD=Ar6envPw", []string{"Ar6envPw"}},
	{"nested YAML", "db:\n  auth:\n    password: Ym1yaml words after\n  host: db", []string{"Ym1yaml", "words after"}},
	{"YAML block scalar", "password: |\n  Ym2blockLine1\n  Ym2blockLine2\nnext: 1", []string{"Ym2blockLine1", "Ym2blockLine2"}},
	{"YAML single-quoted", "apiKey: 'Ym3quoted with space'", []string{"Ym3quoted", "with space"}},
	{"ini with spaces", "[db]\npassword = In1iniPw and more\nport = 5432", []string{"In1iniPw", "and more"}},
	{"JSON", `{"user":"app","password":"Js1jsonPw"}`, []string{"Js1jsonPw"}},
	{"JSON with an escaped quote", `{"password":"Js2\"jsonPw"}`, []string{"Js2", "jsonPw"}},
	{"unterminated quote", `password="Js3unterminated`, []string{"Js3unterminated"}},
	{"docker auths", `{"auths":{"registry.example":{"auth":"ZG9ja2VyOkRrMWF1dGg="}}}`, []string{"ZG9ja2VyOkRrMWF1dGg"}},
	{"annotation in describe", "Annotations:  example.com/db-password: An1annPw\n              prometheus.io/scrape: true", []string{"An1annPw"}},
	{"describe ConfigMap data", ".pgpass:\n----\ndb:5432:shop:app:Dc1pgpass\n\nlog_level:\n----\ndebug\n", []string{"Dc1pgpass"}},
	{"bearer header", "Authorization: Bearer Bh1bearerToken0123456", []string{"Bh1bearerToken0123456"}},
}

func TestRedactorTextForms(t *testing.T) {
	for _, f := range secretForms {
		t.Run(f.name, func(t *testing.T) {
			out := Redactor{}.Text(f.text)
			for _, s := range f.secrets {
				if strings.Contains(out, s) {
					t.Errorf("Text(%q) = %q: %q survives", f.text, out, s)
				}
			}
			if !strings.Contains(out, Redacted) {
				t.Errorf("Text(%q) = %q: nothing masked", f.text, out)
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
