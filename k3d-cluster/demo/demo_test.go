package demo

import (
	"strings"
	"testing"
)

func TestSimulateCrashesOnlyWhatTheScriptsWouldCrash(t *testing.T) {
	sim, err := Simulate(Manifests())
	if err != nil {
		t.Fatal(err)
	}
	// The objects go to the plane as a k3d user applies them: the crash is
	// decided by FaultRules from the pods' spec, not by markers.
	for _, o := range sim.Objects {
		if ann := nested(o, "spec", "template", "metadata")["annotations"]; ann != nil {
			t.Errorf("%s %s: pod template annotations %v, want none", kindName(o), name(o), ann)
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
	for _, c := range []string{"backend", "web"} {
		if strings.Contains(logs[c], "FATAL") {
			t.Errorf("%s logs = %q, want no crash", c, logs[c])
		}
	}
}

func TestPortNumberMatchesTheScript(t *testing.T) {
	// The script exits 1 when LISTEN_PORT is empty or has a non-digit.
	for v, want := range map[string]bool{"8080": true, "0": true, "eighty": false, "": false, "80a": false, "+80": false, "-1": false, " 80": false} {
		if got := portNumber(v); got != want {
			t.Errorf("portNumber(%q) = %v, want %v", v, got, want)
		}
	}
	rules := FaultRules()
	if len(rules) == 0 || !strings.Contains(rules[0].When, `"LISTEN_PORT"`) || !strings.Contains(rules[0].When, `test("^[0-9]+$") | not`) {
		t.Errorf("FaultRules()[0] = %+v, want the LISTEN_PORT digits rule", rules[0])
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
