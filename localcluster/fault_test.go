package localcluster

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// testFaultRules are the simulated kubelet's rules of TestCluster, one
// per kind, each keyed on the container's spec.
var testFaultRules = []FaultRule{
	portRule,
	{Name: "tiny-memory-limit", Kind: FaultOOMKilled, When: `.resources.limits.memory == "16Mi"`},
	{Name: "invalid-registry", Kind: FaultImagePull, When: `.image | test("^[^/]+[.]invalid/")`,
		Message: `failed to pull and unpack image "{image}": dial tcp: lookup registry.invalid: no such host`},
	{Name: "readiness-port", Kind: FaultReadinessProbe, When: undeclaredPort("readinessProbe")},
	{Name: "liveness-port", Kind: FaultLivenessProbe, When: undeclaredPort("livenessProbe")},
}

// undeclaredPort: the probe's numbered port is not among the container's.
func undeclaredPort(probe string) string {
	return `(.` + probe + `.httpGet.port // .` + probe + `.tcpSocket.port) as $p | ($p | type) == "number" and ([.ports[]?.containerPort] | index($p) | not)`
}

// portRule crash-loops a container whose env PORT is set and not a number.
var portRule = FaultRule{
	Name:     "port-not-a-number",
	Kind:     FaultCrash,
	When:     `[.env[]? | select(.name == "PORT") | .value | strings | test("^[0-9]+$") | not] | any`,
	ExitCode: 2,
}

func TestFaultRuleValidate(t *testing.T) {
	tests := []struct {
		name string
		rule FaultRule
		want string
	}{
		{"valid", portRule, ""},
		{"bad name", FaultRule{Name: "Port_Rule", Kind: FaultCrash, When: "true"}, "DNS label"},
		{"no kind", FaultRule{Name: "x", When: "true"}, "unknown kind"},
		{"no condition", FaultRule{Name: "x", Kind: FaultCrash}, "no condition"},
		{"exit code", FaultRule{Name: "x", Kind: FaultCrash, When: "true", ExitCode: 300}, "0-255"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rule.validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// testCrashRule: a pod whose spec breaks the rule crash-loops with the
// rule's exit code; fixing the spec rolls out a pod that is Ready and stays
// so, and the crash-looping one goes away.
func testCrashRule(t *testing.T, cs kubernetes.Interface) {
	ctx := t.Context()
	ns := createNamespace(t, cs, "crashrule")
	d := deployment("server", "app", nil)
	d.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "PORT", Value: "eighty"}}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	crashing := waitPod(t, cs, ns, "app=server", "CrashLoopBackOff", func(p *corev1.Pod) bool {
		s := p.Status.ContainerStatuses
		return len(s) == 1 && s[0].State.Waiting != nil && s[0].State.Waiting.Reason == "CrashLoopBackOff"
	})
	if term := crashing.Status.ContainerStatuses[0].LastTerminationState.Terminated; term == nil || term.ExitCode != 2 || term.Reason != "Error" {
		t.Errorf("lastState.terminated = %+v, want exit code 2, reason Error", term)
	}

	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": "app", "env": []any{map[string]any{"name": "PORT", "value": "8080"}}}},
	}}}})
	if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, "server", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, cs, ns, "server", crashing.UID)
	// Ready stays Ready: a control pod that breaks the rule, created now,
	// crashes; the fixed one, running before it, does not.
	controlPod(t, cs, ns, func(s *corev1.PodSpec) {
		s.Containers[0].Env = []corev1.EnvVar{{Name: "PORT", Value: "eighty"}}
	}, "CrashLoopBackOff", func(p *corev1.Pod) bool { return waiting(p, "app", "CrashLoopBackOff") })
	stillHealthy(t, cs, ns, "server", crashing.UID)
}

// TestFaultRuleStages checks the kwok stages a rule becomes: one per
// container slot (and restart variant), every placeholder filled, valid
// YAML that kwok's selector and template fields receive whole.
func TestFaultRuleStages(t *testing.T) {
	tests := []struct {
		rule       FaultRule
		stages     int
		firstStage string
	}{
		{portRule, 2 * (maxFaultContainers + maxFaultInitContainers), "fault-port-not-a-number-c0"},
		{testFaultRules[1], 2 * (maxFaultContainers + maxFaultInitContainers), "fault-tiny-memory-limit-c0"},
		{testFaultRules[2], maxFaultContainers + maxFaultInitContainers, "fault-invalid-registry-c0"},
		{testFaultRules[3], 2 * maxFaultContainers, "fault-readiness-port-c0-start"},
		{testFaultRules[4], maxFaultContainers, "fault-liveness-port-c0"},
	}
	for _, tt := range tests {
		t.Run(tt.rule.Name, func(t *testing.T) {
			stages := tt.rule.stages()
			if len(stages) != tt.stages || stages[0].name != tt.firstStage {
				t.Fatalf("%d stages, first %q; want %d, first %q", len(stages), stages[0].name, tt.stages, tt.firstStage)
			}
			for _, st := range stages {
				doc := st.yaml()
				for _, ph := range []string{"SLOT_", "FAULT_", "PROBE_KIND", "EVENT_INDEX"} {
					if strings.Contains(doc, ph) {
						t.Errorf("stage %s still has placeholder %s", st.name, ph)
					}
				}
				var parsed struct {
					Spec struct {
						Selector struct {
							MatchExpressions []struct{ Key string } `json:"matchExpressions"`
						} `json:"selector"`
						Steps []map[string]any `json:"steps"`
					} `json:"spec"`
				}
				if err := yaml.Unmarshal([]byte(doc), &parsed); err != nil {
					t.Fatalf("stage %s: %v\n%s", st.name, err, doc)
				}
				if n := len(parsed.Spec.Selector.MatchExpressions); n != 3 {
					t.Errorf("stage %s: %d selector expressions, want 3 (phase, container, config resolved)", st.name, n)
				}
				if !strings.Contains(parsed.Spec.Selector.MatchExpressions[1].Key, tt.rule.When) {
					t.Errorf("stage %s: selector %q lacks the rule's condition", st.name, parsed.Spec.Selector.MatchExpressions[1].Key)
				}
				if len(parsed.Spec.Steps) != 1+len(st.events) {
					t.Errorf("stage %s: %d steps, want the patch and %d events", st.name, len(parsed.Spec.Steps), len(st.events))
				}
			}
		})
	}
}
