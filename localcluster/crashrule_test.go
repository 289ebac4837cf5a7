package localcluster

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// portRule crash-loops a container whose env PORT is set and not a number.
var portRule = CrashRule{
	Name:     "port-not-a-number",
	When:     `[.spec.containers[]?.env[]? | select(.name == "PORT") | .value | strings | test("^[0-9]+$") | not] | any`,
	ExitCode: 2,
}

func TestCrashRuleValidate(t *testing.T) {
	tests := []struct {
		name string
		rule CrashRule
		want string
	}{
		{"valid", portRule, ""},
		{"bad name", CrashRule{Name: "Port_Rule", When: "true"}, "DNS label"},
		{"no condition", CrashRule{Name: "x"}, "no condition"},
		{"exit code", CrashRule{Name: "x", When: "true", ExitCode: 300}, "0-255"},
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
	eventually(t, 30*time.Second, "only Ready pods without restarts", func() (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=server"})
		if err != nil || len(pods.Items) != 1 {
			return false, err
		}
		p := pods.Items[0]
		return p.UID != crashing.UID && podReady(&p) && p.Status.ContainerStatuses[0].RestartCount == 0, nil
	})
	// Ready stays Ready: no crash arrives later.
	time.Sleep(2 * time.Second)
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=server"})
	if err != nil || len(pods.Items) != 1 || !podReady(&pods.Items[0]) {
		t.Fatalf("after 2 s: %v, %+v", err, pods)
	}
}
