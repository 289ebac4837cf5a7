package k3dcluster

import (
	"strings"
	"testing"
)

func TestSimulateCrashesOnlyWhatTheScriptsWouldCrash(t *testing.T) {
	sim, err := Simulate(Manifests())
	if err != nil {
		t.Fatal(err)
	}
	crashing := map[string]bool{}
	for _, o := range sim.Objects {
		if kindName(o) != "Deployment" {
			continue
		}
		ann, _ := nested(o, "spec", "template", "metadata")["annotations"].(map[string]any)
		crashing[name(o)] = ann["kwok.x-k8s.io/crashloop"] == "true"
	}
	want := map[string]bool{"crashloop-app": true, "backend": false, "faulty-app": false}
	for n, w := range want {
		if crashing[n] != w {
			t.Errorf("deployment %s crashing = %v, want %v", n, crashing[n], w)
		}
	}
	logs := map[string]string{}
	for _, l := range sim.Logs {
		logs[l.Container] = strings.Join(append(l.Current, l.Previous...), "\n")
	}
	if !strings.Contains(logs["crashloop-app"], `FATAL: LISTEN_PORT="eighty" is not a port number`) {
		t.Errorf("crashloop-app logs = %q, want the FATAL line", logs["crashloop-app"])
	}
	if !strings.Contains(logs["checker"], "status: BAD - cannot reach backend at http://backend-svc:8080/healthz") {
		t.Errorf("checker logs = %q, want the BAD status naming backend-svc", logs["checker"])
	}
}

func TestSimulateFixedSpecDoesNotCrash(t *testing.T) {
	fixed := strings.Replace(string(Manifests()), `value: "eighty"`, `value: "8080"`, 1)
	fixed = strings.Replace(fixed, "http://backend-svc:8080", "http://backend-service:8080", 1)
	sim, err := Simulate([]byte(fixed))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range sim.Logs {
		if l.Container == "crashloop-app" {
			t.Errorf("a numeric LISTEN_PORT must not crash, got logs %q", l.Current)
		}
		if l.Container == "checker" && !strings.Contains(strings.Join(l.Current, "\n"), "status: OK") {
			t.Errorf("checker with the right Service name: %q, want status OK", l.Current)
		}
	}
}

func TestSplitYAMLRejectsDocumentsWithoutKind(t *testing.T) {
	_, err := SplitYAML([]byte("apiVersion: v1\nmetadata: {name: x}\n"))
	if err == nil || !strings.Contains(err.Error(), "no kind") {
		t.Fatalf("err = %v, want a 'no kind' error", err)
	}
}
