package kube_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/canary"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/analyze"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// Canaries are secrets planted in the cluster; none may ever come out of
// a Reader (or what the analyzers report, or a fixer's diff).
const (
	canarySecretData   = "CANARYsecretData-7Qx"
	canaryStringData   = "CANARYstringData_91k"
	canaryDBPassword   = "CANARYdbPass!w0rd"
	canaryAPIToken     = "CANARYapiToken4f2a9c"
	canaryAWSSecret    = "CANARYaws/Secret+Key0123456789abcdef"
	canaryArgPassword  = "CANARYargPassword"
	canaryEnvURL       = "CANARYenvUrlPw"
	canaryCMKey        = "CANARYsmtpPassword"
	canaryCMURL        = "CANARYcmUrlPw"
	canaryJWTSignature = "CANARYjwtSignature_x9"
	canaryPEM          = "CANARYpemBodyLine"
	canaryLogPassword  = "CANARYlogPassword"
	canaryLogBearer    = "CANARYlogBearerToken0123"
	canaryPrevPassword = "CANARYprevPassword"
	canaryPrevBearer   = "CANARYprevBearerToken456"
	canaryEvent        = "CANARYeventToken"
	canaryWorkerPass   = "CANARYworkerPass"
	canaryLogBasic     = "CANARYbasicAuthCreds"
	canaryAnnotation   = "CANARYannotationPw"
	canaryArgNext      = "CANARYargTokenNext"
)

// formsConfigMap holds every secret form of canary.Forms as an
// embedded config file, under keys that say nothing.
func formsConfigMap() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop-forms\ndata:\n")
	for i, f := range canary.Forms() {
		v, _ := json.Marshal(f.Text)
		fmt.Fprintf(&b, "  form-%02d: %s\n", i, v)
	}
	return b.String()
}

// formLines are the secret forms as log lines.
func formLines() []string {
	var out []string
	for _, f := range canary.Forms() {
		out = append(out, f.Text)
	}
	return out
}

var canaryJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzaG9wLWFwaSJ9." + canaryJWTSignature

var canaryPEMBlock = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA" + canaryPEM + "\n" + canaryPEM + "2\n-----END RSA PRIVATE KEY-----\n"

func canaryManifests() string {
	lastApplied, _ := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "shop-creds"},
		"stringData": map[string]any{"api-token": canaryStringData, "password": canarySecretData},
		"env":        []any{map[string]any{"name": "DB_PASSWORD", "value": canaryDBPassword}},
	})
	pem, _ := json.Marshal(canaryPEMBlock)
	return fmt.Sprintf(`
apiVersion: v1
kind: Secret
metadata:
  name: shop-creds
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '%[1]s'
data:
  password: %[2]s
stringData:
  api-token: %[3]s
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-config
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '%[1]s'
data:
  log_level: debug
  smtp_password: %[4]s
  database_url: "mysql://root:%[5]s@mysql:3306/shop"
  session.jwt: %[6]s
  tls-material.pem: %[7]s
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '%[1]s'
    example.com/db-password: %[16]s
spec:
  replicas: 1
  selector:
    matchLabels: {app: shop-api}
  template:
    metadata:
      labels: {app: shop-api}
      annotations:
        %[14]s: "true"
        %[15]s: "2"
        example.com/db-password: %[16]s
    spec:
      containers:
      - name: api
        image: registry.example/shop-api:1.4
        args: ["--listen=:8080", "--db-password=%[8]s", "--api-token", "%[17]s"]
        env:
        - {name: LOG_LEVEL, value: debug}
        - {name: DB_PASSWORD, value: "%[9]s"}
        - {name: API_TOKEN, value: "%[10]s"}
        - {name: AWS_SECRET_ACCESS_KEY, value: "%[11]s"}
        - {name: DATABASE_URL, value: "postgres://shop:%[12]s@db:5432/shop"}
        - name: SMTP_PASSWORD
          valueFrom:
            configMapKeyRef: {name: shop-config, key: smtp_password}
        envFrom:
        - secretRef: {name: shop-creds}
      - name: worker
        image: registry.example/shop-worker:1.4
        env:
        - {name: DB_PASSWORD, value: "%[13]s"}
`, lastApplied, base64.StdEncoding.EncodeToString([]byte(canarySecretData)), canaryStringData,
		canaryCMKey, canaryCMURL, canaryJWT, pem, canaryArgPassword,
		canaryDBPassword, canaryAPIToken, canaryAWSSecret, canaryEnvURL, canaryWorkerPass,
		localcluster.CrashLoopAnnotation, localcluster.CrashLoopExitCodeAnnotation, canaryAnnotation, canaryArgNext) + "---\n" + formsConfigMap()
}

// TestNothingSecretLeavesTheReader plants canaries everywhere a secret
// hides in a cluster, reads everything back through every entry point, and
// finds none of them, while ordinary values still show.
func TestNothingSecretLeavesTheReader(t *testing.T) {
	t.Parallel()
	plane := kube.SharedPlane()
	ns := plane.Namespace(t)
	plane.SetLogs(t, ns, "api",
		append(append([]string{"starting shop-api LOG_LEVEL=debug", "ERROR: password=" + canaryLogPassword, "proxy: Authorization: Basic " + canaryLogBasic, "GET /v1/orders Authorization: Bearer " + canaryLogBearer}, formLines()...), "ready"),
		append(append([]string{"starting shop-api LOG_LEVEL=debug", `{"level":"error","msg":"login failed","password":"` + canaryPrevPassword + `"}`, "Authorization: Bearer " + canaryPrevBearer}, formLines()...), "FATAL: database refused the connection"))
	plane.Apply(t, ns, []byte(canaryManifests()))
	pod := plane.WaitPods(t, ns, "app=shop-api", 1, kubetest.CrashLooping)[0]
	rs := pod.OwnerReferences[0].Name
	cs := plane.Clientset(t)
	_, err := cs.CoreV1().Events(ns).Create(t.Context(), &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "shop-api-probe"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod.Name},
		Type:           corev1.EventTypeWarning, Reason: "Unhealthy", Count: 1,
		Message:       "Readiness probe failed: GET /healthz?token=" + canaryEvent + " returned 500",
		Source:        corev1.EventSource{Component: "kubelet"},
		LastTimestamp: metav1.Now(), FirstTimestamp: metav1.Now(),
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range formLines() {
		_, err := cs.CoreV1().Events(ns).Create(t.Context(), &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("shop-form-%02d", i)},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod.Name},
			Type:           corev1.EventTypeWarning, Reason: "Failed", Count: 1, Message: text,
			Source:        corev1.EventSource{Component: "kubelet"},
			LastTimestamp: metav1.Now(), FirstTimestamp: metav1.Now(),
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := kube.NewReader(plane.Config(), kube.ReaderOptions{Hidden: kube.Simulator})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	outputs := map[string]string{}
	read := func(what string, out string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
		outputs[what] = out
	}
	for _, kind := range []string{"pods", "deployments", "replicasets", "secrets", "configmaps", "events"} {
		out, err := r.Get(ctx, kube.GetRequest{Resource: kind, Namespace: ns, Wide: true})
		read("get "+kind, out, err)
	}
	objects := map[string]string{"pod": pod.Name, "deployment": "shop-api", "replicaset": rs, "secret": "shop-creds", "configmap": "shop-config", "event": "shop-api-probe", "cm": "shop-forms", "ev": "shop-form-07"}
	for kind, name := range objects {
		out, err := r.Get(ctx, kube.GetRequest{Resource: kind, Namespace: ns, Name: name})
		read("get "+kind+" "+name, out, err)
		if kind != "event" && kind != "ev" {
			out, err = r.Describe(ctx, kind, ns, name)
			read("describe "+kind+" "+name, out, err)
		}
	}
	for _, req := range []kube.LogsRequest{
		{Namespace: ns, Pod: "deployment/shop-api"},
		{Namespace: ns, Pod: pod.Name, Previous: true},
		{Namespace: ns, Pod: pod.Name, Container: "api", Grep: "password|bearer"},
	} {
		out, err := r.Logs(ctx, req)
		read(fmt.Sprintf("logs %+v", req), out, err)
	}
	for _, line := range []string{
		"kubectl get configmap shop-forms -n " + ns + " -o yaml",
		"kubectl get deploy/shop-api -n " + ns + " -o json",
		"kubectl describe cm shop-forms -n " + ns,
		"kubectl describe pod " + pod.Name + " -n " + ns,
		"kubectl logs deployment/shop-api -n " + ns + " --previous",
		"kubectl events -n " + ns,
	} {
		out, err := r.Command(ctx, line)
		read(line, out, err)
	}
	out, err := r.Events(ctx, kube.EventsRequest{Namespace: ns})
	read("events", out, err)
	evs, err := r.EventList(ctx, kube.EventsRequest{Namespace: ns})
	read("event list", fmt.Sprintf("%+v", evs), err)
	findings, err := analyze.Run(ctx, r, analyze.Scope{Namespace: ns})
	js, _ := json.Marshal(findings)
	read("analyze", string(js), err)
	f, err := fixer.New(plane.Config(), fixer.Options{Hidden: kube.Simulator})
	if err != nil {
		t.Fatal(err)
	}
	preview, err := f.Preview(ctx, kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: ns, Name: "shop-api"}, Operation: kube.OpSetEnv, Container: "api", Env: map[string]string{"LOG_LEVEL": "info"}, Rationale: "quieter"})
	if err != nil {
		t.Fatal(err)
	}
	read("fix preview diff", preview.Diff, nil)
	preview, err = f.Preview(ctx, kube.Fix{Target: kube.Target{Kind: "configmap", Namespace: ns, Name: "shop-forms"}, Operation: kube.OpMergePatch, Patch: json.RawMessage(`{"data":{"log_level":"info"}}`), Rationale: "quieter"})
	if err != nil {
		t.Fatal(err)
	}
	read("fix preview diff of the forms", preview.Diff, nil)

	forbidden := []string{"CANARY", base64.StdEncoding.EncodeToString([]byte(canarySecretData)),
		base64.StdEncoding.EncodeToString([]byte(canaryStringData)), localcluster.SimulatorAPIGroup}
	for _, f := range canary.Forms() {
		forbidden = append(forbidden, f.Secrets...)
	}
	for what, out := range outputs {
		for _, f := range forbidden {
			if i := strings.Index(out, f); i >= 0 {
				t.Errorf("%s leaks %q at …%s…:\n%s", what, f, out[max(0, i-80):min(len(out), i+80)], out)
			}
		}
	}

	// Redaction must not blind the reader: ordinary values still show.
	shown := map[string][]string{
		"get deployment shop-api":        {`(?m)- name: LOG_LEVEL\n\s+value: debug$`, `(?m)- name: DB_PASSWORD\n\s+value: '\[REDACTED\]'$`, `--listen=:8080`, `postgres://shop:\[REDACTED\]@db:5432/shop`},
		"describe deployment shop-api":   {`(?m)^\s+LOG_LEVEL:\s+debug$`, `(?m)^\s+DB_PASSWORD:\s+\[REDACTED\]$`, `(?m)^\s+SMTP_PASSWORD:\s+<set to the key 'smtp_password' of config map 'shop-config'>`},
		"get configmap shop-config":      {`(?m)^  log_level: debug$`, `(?m)^  smtp_password: '\[REDACTED\]'$`, `mysql://root:\[REDACTED\]@mysql:3306/shop`},
		"describe configmap shop-config": {`(?m)^log_level:\n----\ndebug$`, `mysql://root:\[REDACTED\]@mysql:3306/shop`},
		"get secret shop-creds":          {`(?m)^  password: '\[REDACTED\] \(\d+ bytes\)'$`, `(?m)^  api-token: '\[REDACTED\] \(\d+ bytes\)'$`},
		"logs {Namespace:" + ns + " Pod:deployment/shop-api Container: Previous:false Tail:0 SinceSeconds:0 Grep: MaxBytes:0}": {`(?m)^starting shop-api LOG_LEVEL=debug$`, `(?m)^ready$`},
		"analyze": {`FATAL: database refused the connection`, `exited with code 2`},
	}
	for what, patterns := range shown {
		out, ok := outputs[what]
		if !ok {
			t.Errorf("no output %q", what)
			continue
		}
		for _, p := range patterns {
			if !regexp.MustCompile(p).MatchString(out) {
				t.Errorf("%s does not match %s:\n%s", what, p, out)
			}
		}
	}
}
