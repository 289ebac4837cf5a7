package fixer

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/kube"
)

// faulty-app reads faulty-app-config through envFrom, once, at start: the
// ConfigMap fix is planned with the rollout that makes it take effect,
// applied in order, verified on the Deployment and rolled back together.
func TestPlanRestartsTheWorkloadsThatReadAChangedConfigMap(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	f := newFixer(t, Policy{})
	fix := kube.Fix{Target: kube.Target{Kind: "cm", Namespace: ns, Name: "faulty-app-config"}, Operation: kube.OpMergePatch,
		Patch: json.RawMessage(`{"data":{"BACKEND_URL":"http://backend-service:8080/healthz"}}`), Rationale: "backend-svc does not exist"}

	steps, err := f.Plan(t.Context(), fix)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0].Kind != "ConfigMap" || steps[1].Kind != "Deployment" || steps[1].Fix.Target.Name != "faulty-app" || steps[1].Fix.Operation != kube.OpRolloutRestart {
		t.Fatalf("plan = %v, want the ConfigMap patch then the restart of faulty-app (and nothing that does not read it)", planned(steps))
	}
	if !strings.Contains(steps[1].Fix.Rationale, "envFrom of container checker") {
		t.Errorf("the restart does not say why: %q", steps[1].Fix.Rationale)
	}
	if !strings.Contains(steps[1].Diff, "kubectl.kubernetes.io/restartedAt") {
		t.Errorf("the restart's diff:\n%s", steps[1].Diff)
	}
	before := deployment(t, cs, ns, "faulty-app").Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]

	var applied []Applied
	for _, s := range steps {
		a, err := f.Apply(t.Context(), s, Identity{})
		if err != nil {
			t.Fatalf("apply %s: %v", s.Fix.Target, err)
		}
		applied = append(applied, a)
	}
	if after := deployment(t, cs, ns, "faulty-app").Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]; after == before {
		t.Errorf("faulty-app was not restarted")
	}
	v, err := f.Verify(t.Context(), applied[1], VerifyOptions{Timeout: 60 * time.Second, Settle: 2 * time.Second})
	if err != nil || !v.Verified {
		t.Fatalf("the restarted Deployment is not verified: %+v %v", v, err)
	}

	// The rollback restores the ConfigMap and restarts faulty-app again.
	undo, err := Rollback(applied[0], "test")
	if err != nil {
		t.Fatal(err)
	}
	back, err := f.Plan(t.Context(), undo)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || !strings.Contains(back[0].Diff, "backend-svc") || back[1].Fix.Target.Name != "faulty-app" {
		t.Errorf("rollback plan = %v:\n%s", planned(back), back[0].Diff)
	}
}

// An unrelated ConfigMap, or an object that is not configuration, plans one step.
func TestPlanOfAnythingElseIsTheFixAlone(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	f := newFixer(t, Policy{})
	three := int32(3)
	for _, fix := range []kube.Fix{
		{Target: kube.Target{Kind: "deployment", Namespace: ns, Name: "backend"}, Operation: kube.OpScale, Replicas: &three, Rationale: "capacity"},
		{Target: kube.Target{Kind: "configmap", Namespace: ns, Name: "kube-root-ca.crt"}, Operation: kube.OpMergePatch,
			Patch: json.RawMessage(`{"metadata":{"labels":{"x":"y"}}}`), Rationale: "label"},
	} {
		steps, err := f.Plan(t.Context(), fix)
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) != 1 {
			t.Errorf("plan of %s = %v, want the fix alone", fix.Target, planned(steps))
		}
	}
}

func planned(steps []kube.Preview) []string {
	var out []string
	for _, s := range steps {
		out = append(out, string(s.Fix.Operation)+" "+s.Fix.Target.String())
	}
	return out
}
