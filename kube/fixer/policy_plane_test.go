package fixer

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/kube"
)

// The content policy on the real API server judges what the change does,
// whatever patch says it: a JSON patch, a strategic merge patch, a merge
// patch and set-image are each refused before anything is shown, and the
// same fixes preview when the rule is lifted for the namespace.
func TestFixPreviewContentPolicy(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	target := kube.Target{Kind: "deployment", Namespace: ns, Name: "crashloop-app"}
	tests := []struct {
		name string
		fix  kube.Fix
		rule Rule
		want string
	}{
		{"privileged, as a JSON patch", kube.Fix{Operation: kube.OpJSONPatch,
			Patch: json.RawMessage(`[{"op":"add","path":"/spec/template/spec/containers/0/securityContext","value":{"privileged":true}}]`)},
			RulePrivilege, `make container "crashloop-app" privileged`},
		{"privileged, as a strategic merge patch", kube.Fix{Operation: kube.OpStrategicMerge,
			Patch: json.RawMessage(`{"spec":{"template":{"spec":{"containers":[{"name":"crashloop-app","securityContext":{"privileged":true}}]}}}}`)},
			RulePrivilege, `make container "crashloop-app" privileged`},
		{"the node's network, as a merge patch", kube.Fix{Operation: kube.OpMergePatch,
			Patch: json.RawMessage(`{"spec":{"template":{"spec":{"hostNetwork":true}}}}`)},
			RulePrivilege, "spec.template.spec.hostNetwork: true"},
		{"another ServiceAccount", kube.Fix{Operation: kube.OpStrategicMerge,
			Patch: json.RawMessage(`{"spec":{"template":{"spec":{"serviceAccountName":"builder"}}}}`)},
			RuleIdentity, `run the pods as ServiceAccount "builder"`},
		{"an image from another registry", kube.Fix{Operation: kube.OpSetImage, Image: "evil.example.com/busybox:1.36"},
			RuleImageRegistry, `from registry "evil.example.com", which the workload did not use (it used: docker.io)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fix.Target, tt.fix.Rationale = target, "r"
			quiet(t, cs, ns, "crashloop-app")
			p, err := newFixer(t, Policy{}).Preview(t.Context(), tt.fix)
			if err == nil {
				t.Fatalf("got a preview, want a refusal:\n%s", p.Diff)
			}
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "KUBERTNETES_FIX_ALLOW_CHANGES="+string(tt.rule)+"@"+ns) {
				t.Errorf("error %q, want a policy refusal with %q and how to allow %s", err, tt.want, tt.rule)
			}
			quiet(t, cs, ns, "crashloop-app")
			if _, err := newFixer(t, Policy{AllowChanges: []string{string(tt.rule) + "@" + ns}}).Preview(t.Context(), tt.fix); err != nil {
				t.Errorf("with %s@%s allowed: %v", tt.rule, ns, err)
			}
		})
	}
}

// A preview made under a policy that allowed it is refused at Apply by
// the policy in force then, on a fresh dry run, and nothing is written.
func TestFixApplyContentPolicy(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	quiet(t, cs, ns, "crashloop-app")
	fix := kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: ns, Name: "crashloop-app"}, Operation: kube.OpStrategicMerge, Rationale: "r",
		Patch: json.RawMessage(`{"spec":{"template":{"spec":{"containers":[{"name":"crashloop-app","securityContext":{"capabilities":{"add":["SYS_ADMIN"]}}}]}}}}`)}
	p, err := newFixer(t, Policy{AllowChanges: []string{"privilege"}}).Preview(t.Context(), fix)
	if err != nil {
		t.Fatal(err)
	}
	_, err = newFixer(t, Policy{}).Apply(t.Context(), *p, Identity{})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), `add capability "SYS_ADMIN" to container "crashloop-app"`) {
		t.Fatalf("apply: %v, want the content policy's refusal", err)
	}
	d := deployment(t, cs, ns, "crashloop-app")
	if d.ResourceVersion != p.ResourceVersion || d.Spec.Template.Spec.Containers[0].SecurityContext != nil {
		t.Errorf("the deployment changed (resourceVersion %s, previewed %s; securityContext %v)", d.ResourceVersion, p.ResourceVersion, d.Spec.Template.Spec.Containers[0].SecurityContext)
	}
}

// Creating: a Job is refused by kind; once creating is allowed, what the
// created object does is still judged (a privileged Job, a NodePort
// Service); a ClusterIP Service previews.
func TestFixPreviewCreatePolicy(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	job := json.RawMessage(`{"apiVersion":"batch/v1","kind":"Job","spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"run","image":"busybox:1.36","securityContext":{"privileged":true}}]}}}}`)
	svc := func(typ string) json.RawMessage {
		return json.RawMessage(`{"apiVersion":"v1","kind":"Service","spec":{"type":"` + typ + `","selector":{"app":"web"},"ports":[{"port":80}]}}`)
	}
	tests := []struct {
		name   string
		policy Policy
		kind   string
		obj    json.RawMessage
		want   string // "" when it previews
	}{
		{"a job", Policy{}, "job", job, "does not create Job objects"},
		{"a privileged job, creating allowed", Policy{AllowChanges: []string{"create@" + ns}}, "job", job, `make container "run" privileged`},
		{"a NodePort service", Policy{}, "service", svc("NodePort"), `type from ClusterIP to "NodePort"`},
		{"a ClusterIP service", Policy{}, "service", svc("ClusterIP"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fix := kube.Fix{Target: kube.Target{Kind: tt.kind, Namespace: ns, Name: "made"}, Operation: kube.OpCreate, Manifest: tt.obj, Rationale: "r"}
			p, err := newFixer(t, tt.policy).Preview(t.Context(), fix)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("got a preview, want a refusal with %q:\n%s", tt.want, p.Diff)
			case tt.want != "" && (!errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %q, want a policy refusal with %q", err, tt.want)
			}
		})
	}
}
