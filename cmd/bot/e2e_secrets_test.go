package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/internal/canary"
	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/internal/openaitest"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// Secrets of the workload itself, beside every form of canary.Forms.
var e2eSecrets = canary.Form{Name: "workload", Secrets: []string{"CANARYe2eEnvPw", "CANARYe2eArgPw", "CANARYe2eAnnPw", "CANARYe2eUrlPw", "CANARYe2eLogPw"}}

// secretsManifests is a crash-looping Deployment whose env, args and
// annotations hold secrets, and a ConfigMap holding every form of
// canary.Forms as an embedded file under a key that says nothing.
func secretsManifests(forms []canary.Form) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
  annotations:
    example.com/db-password: CANARYe2eAnnPw
spec:
  replicas: 1
  selector:
    matchLabels: {app: shop-api}
  template:
    metadata:
      labels: {app: shop-api}
      annotations:
        %s: "true"
        %s: "2"
    spec:
      containers:
      - name: api
        image: registry.example/shop-api:1.4
        args: ["--listen=:8080", "--db-password=CANARYe2eArgPw"]
        env:
        - {name: LOG_LEVEL, value: debug}
        - {name: DB_PASSWORD, value: CANARYe2eEnvPw}
        - {name: DATABASE_URL, value: "postgres://shop:CANARYe2eUrlPw@db:5432/shop"}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-forms
data:
`, localcluster.CrashLoopAnnotation, localcluster.CrashLoopExitCodeAnnotation)
	for i, f := range forms {
		v, _ := json.Marshal(f.Text)
		fmt.Fprintf(&b, "  form-%02d: %s\n", i, v)
	}
	return []byte(b.String())
}

// Secrets planted in the cluster, in every form the redactor knows, reach
// neither the model, nor Slack, nor serve's log (at debug level): the
// model reads them through every tool (get YAML, kubectl -o json,
// describe, logs, events, analyze) with no token cap hiding any, and the
// bot posts its steps, findings, answer and a proposal whose diff shows
// the secret env's neighbourhood.
func TestNoSecretReachesTheModelSlackOrTheLog(t *testing.T) {
	forms := canary.Forms()
	all := append(forms, e2eSecrets)
	ns := plane.Namespace(t)
	var lines []string
	for _, f := range forms {
		lines = append(lines, f.Text)
	}
	lines = append(lines, "starting shop-api LOG_LEVEL=debug", "ERROR: login failed password=CANARYe2eLogPw")
	plane.SetLogs(t, ns, "api", lines, lines)
	plane.Apply(t, ns, secretsManifests(forms))
	pod := plane.WaitPods(t, ns, "app=shop-api", 1, kubetest.CrashLooping)[0]
	cs := plane.Clientset(t)
	for i, f := range forms {
		_, err := cs.CoreV1().Events(ns).Create(t.Context(), &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("shop-form-%02d", i)},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod.Name},
			Type:           corev1.EventTypeWarning, Reason: "Unhealthy", Count: 1, Message: f.Text,
			Source:        corev1.EventSource{Component: "kubelet"},
			LastTimestamp: metav1.Now(), FirstTimestamp: metav1.Now(),
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}

	e := startServe(t, map[string]string{"KUBERTNETES_TOOL_TOKENS": "60000"})
	arg := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }
	e.llm.Script(
		openaitest.Calls(
			openaitest.Call("get", arg(`{"resource":"configmap","namespace":%q,"name":"shop-forms"}`, ns)),
			openaitest.Call("get", arg(`{"resource":"deployment","namespace":%q,"name":"shop-api"}`, ns)),
			openaitest.Call("describe", arg(`{"resource":"deployment","namespace":%q,"name":"shop-api"}`, ns)),
			openaitest.Call("describe", arg(`{"resource":"configmap","namespace":%q,"name":"shop-forms"}`, ns)),
			openaitest.Call("logs", arg(`{"namespace":%q,"pod":"deployment/shop-api","previous":true}`, ns)),
			openaitest.Call("events", arg(`{"namespace":%q}`, ns)),
			openaitest.Call("analyze", arg(`{"namespace":%q}`, ns)),
			openaitest.Call("kubectl", arg(`{"command":"kubectl get configmap shop-forms -n %s -o json"}`, ns)),
		),
		openaitest.Calls(openaitest.Call("propose_fix", arg(`{"kind":"Deployment","namespace":%q,"name":"shop-api",
			"operation":"set-env","container":"api","env":[{"name":"LOG_LEVEL","value":"info"}],
			"rationale":"Less noise.","risk":"The pod restarts once.","expected":"shop-api restarts"}`, ns))),
		openaitest.Text("Investigation complete: shop-api crash-loops."),
	)
	root := e.slack.Mention(channel, requester, "what is wrong with shop-api in "+ns+"?")
	e.waitText(t, root, "Investigation complete: shop-api crash-loops.")
	e.waitText(t, root, "Proposed fix", "LOG_LEVEL")

	reqs := e.llm.Requests()
	if len(reqs) < 3 {
		t.Fatalf("the model was called %d times, want 3", len(reqs))
	}
	seen := reqs[1].AllText()
	// What the model saw is the real thing, only masked: the ConfigMap's
	// keys, the log's ordinary lines, the finding.
	for _, want := range []string{"form-00", "starting shop-api LOG_LEVEL=debug", "CrashLoopBackOff", "DB_PASSWORD"} {
		if !strings.Contains(seen, want) {
			t.Errorf("the tool results lack %q; the test reads nothing", want)
		}
	}
	for i, r := range reqs {
		for _, leak := range canary.Leaks(r.AllText(), all) {
			t.Errorf("model request %d carries a secret (%s)", i+1, leak)
		}
	}
	for _, m := range e.slack.Messages(channel) {
		texts := []string{m.Text, string(m.BlocksJSON)}
		for _, r := range m.Revisions {
			texts = append(texts, r.Text, string(r.BlocksJSON))
		}
		for _, leak := range canary.Leaks(strings.Join(texts, "\n"), all) {
			t.Errorf("Slack message %s carries a secret (%s)", m.TS, leak)
		}
	}
	for _, leak := range canary.Leaks(e.logs.String(), all) {
		t.Errorf("serve's log carries a secret (%s)", leak)
	}
}
