package fixer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
)

// newFixer returns a Fixer with the plane's admin identity within p.
func newFixer(t *testing.T, p Policy) *Fixer {
	t.Helper()
	f, err := New(plane.Config(), Options{Policy: p, Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func deployment(t *testing.T, cs kubernetes.Interface, ns, name string) *appsv1.Deployment {
	t.Helper()
	d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// listenPort is crashloop-app's LISTEN_PORT.
func listenPort(t *testing.T, cs kubernetes.Interface, ns string) string {
	t.Helper()
	for _, e := range deployment(t, cs, ns, "crashloop-app").Spec.Template.Spec.Containers[0].Env {
		if e.Name == "LISTEN_PORT" {
			return e.Value
		}
	}
	return ""
}

// touch changes the Deployment behind a preview's back.
func touch(t *testing.T, cs kubernetes.Interface, ns, name string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"labels":{"touched":"%d"}}}`, time.Now().UnixNano())
	_, err := cs.AppsV1().Deployments(ns).Patch(t.Context(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// changedLines are a unified diff's removed and added lines.
func changedLines(diff string) []string {
	var out []string
	for _, l := range strings.Split(diff, "\n") {
		if (strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+")) && !strings.HasPrefix(l, "---") && !strings.HasPrefix(l, "+++") {
			out = append(out, l)
		}
	}
	return out
}

// settled waits until the deployment controller is done with name, so that
// status updates do not move its resourceVersion under a preview.
func settled(t *testing.T, cs kubernetes.Interface, ns, name string) {
	t.Helper()
	kubetest.Eventually(t, 30*time.Second, "deployment "+name+" settled", func() (bool, error) {
		d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := d.Status
		return s.ObservedGeneration == d.Generation && s.Replicas == *d.Spec.Replicas && s.UpdatedReplicas == s.Replicas && s.AvailableReplicas == s.Replicas, nil
	})
}

func portFixes(ns string) map[string]kube.Fix {
	target := kube.Target{Kind: "deployment", Namespace: ns, Name: "crashloop-app"}
	return map[string]kube.Fix{
		"set-env": {Target: target, Operation: kube.OpSetEnv, Env: map[string]string{"LISTEN_PORT": "8080"}, Rationale: "LISTEN_PORT must be a number"},
		"json-patch": {Target: target, Operation: kube.OpJSONPatch, Rationale: "LISTEN_PORT must be a number",
			Patch: json.RawMessage(`[{"op":"replace","path":"/spec/template/spec/containers/0/env/0/value","value":"8080"}]`)},
		"strategic-merge": {Target: target, Operation: kube.OpStrategicMerge, Rationale: "LISTEN_PORT must be a number",
			Patch: json.RawMessage(`{"spec":{"template":{"spec":{"containers":[{"name":"crashloop-app","env":[{"name":"LISTEN_PORT","value":"8080"}]}]}}}}`)},
	}
}

func TestFixerPreviewThenApply(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	f := newFixer(t, Policy{})

	for _, op := range []string{"set-env", "json-patch", "strategic-merge"} {
		t.Run(op, func(t *testing.T) {
			quiet(t, cs, ns, "crashloop-app")
			before := deployment(t, cs, ns, "crashloop-app")
			p, err := f.Preview(t.Context(), portFixes(ns)[op])
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"--- deployment/crashloop-app (live)\n",
				"+++ deployment/crashloop-app (after fix, server dry-run)\n",
				"\n-          value: eighty\n+          value: \"8080\"\n",
			} {
				if !strings.Contains(p.Diff, want) {
					t.Errorf("diff lacks %q:\n%s", want, p.Diff)
				}
			}
			if diff := cmp.Diff([]string{"-          value: eighty", `+          value: "8080"`}, changedLines(p.Diff)); diff != "" {
				t.Errorf("changed lines (-want +got):\n%s\n%s", diff, p.Diff)
			}
			if strings.Contains(p.Diff, "kwok") || strings.Contains(p.Diff, "managedFields") {
				t.Errorf("diff shows bookkeeping or simulation markers:\n%s", p.Diff)
			}
			if p.ResourceVersion != before.ResourceVersion || p.Kind != "Deployment" || p.Resource != "deployments" {
				t.Errorf("preview of rv %s kind %s resource %s, want rv %s of Deployment deployments", p.ResourceVersion, p.Kind, p.Resource, before.ResourceVersion)
			}
			if after := deployment(t, cs, ns, "crashloop-app"); after.Generation != before.Generation || listenPort(t, cs, ns) != "eighty" {
				t.Fatalf("preview changed the object: generation %d → %d, LISTEN_PORT %q", before.Generation, after.Generation, listenPort(t, cs, ns))
			}

			// A stored preview (plain JSON) applies after a restart.
			raw, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			var stored kube.Preview
			if err := json.Unmarshal(raw, &stored); err != nil {
				t.Fatal(err)
			}
			applied, err := f.Apply(t.Context(), stored, Identity{})
			if err != nil {
				t.Fatal(err)
			}
			d := deployment(t, cs, ns, "crashloop-app")
			if got := listenPort(t, cs, ns); got != "8080" {
				t.Errorf("after apply LISTEN_PORT = %q, want 8080", got)
			}
			if applied.ResourceVersion == "" || applied.ResourceVersion == p.ResourceVersion {
				t.Errorf("Applied.ResourceVersion %q, want the new one (previewed %s)", applied.ResourceVersion, p.ResourceVersion)
			}
			managers := map[string]bool{}
			for _, m := range d.ManagedFields {
				managers[m.Manager] = true
			}
			if !managers[FieldManager] {
				t.Errorf("managedFields %v do not name %s", managers, FieldManager)
			}

			// Approving twice: the second apply sees a changed object.
			if _, err := f.Apply(t.Context(), stored, Identity{}); !errors.Is(err, ErrConflict) {
				t.Errorf("second apply: %v, want ErrConflict", err)
			}

			// Put the fault back for the next operation.
			_, err = cs.AppsV1().Deployments(ns).Patch(t.Context(), "crashloop-app", types.JSONPatchType,
				[]byte(`[{"op":"replace","path":"/spec/template/spec/containers/0/env/0/value","value":"eighty"}]`), metav1.PatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFixerRefusesStalePreviews(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	f := newFixer(t, Policy{})

	for _, op := range []string{"set-env", "json-patch"} {
		t.Run("object changed since preview/"+op, func(t *testing.T) {
			p, err := f.Preview(t.Context(), portFixes(ns)[op])
			if err != nil {
				t.Fatal(err)
			}
			touch(t, cs, ns, "crashloop-app")
			_, err = f.Apply(t.Context(), *p, Identity{})
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("apply after a change: %v, want ErrConflict", err)
			}
			if got := listenPort(t, cs, ns); got != "eighty" {
				t.Errorf("LISTEN_PORT = %q after a refused apply, want eighty", got)
			}
		})
	}

	t.Run("tampered patch", func(t *testing.T) {
		p, err := f.Preview(t.Context(), portFixes(ns)["set-env"])
		if err != nil {
			t.Fatal(err)
		}
		p.Patch = bytes.Replace(p.Patch, []byte(`"8080"`), []byte(`"9090"`), 1)
		_, err = f.Apply(t.Context(), *p, Identity{})
		if err == nil || !strings.Contains(err.Error(), "the patch does not match the approved preview; nothing was applied") {
			t.Fatalf("apply of a tampered preview: %v, want a refusal", err)
		}
		if got := listenPort(t, cs, ns); got != "eighty" {
			t.Errorf("LISTEN_PORT = %q after a refused apply, want eighty", got)
		}
	})

	t.Run("preview for a kind the policy refuses", func(t *testing.T) {
		patch := []byte(`{"metadata":{"labels":{"owned":"by-us"}}}`)
		sum := sha256.Sum256(patch)
		p := kube.Preview{
			Fix:  kube.Fix{Target: kube.Target{Kind: "clusterrole", Namespace: ns, Name: "view"}, Operation: kube.OpMergePatch, Patch: patch, Rationale: "r"},
			Kind: "ClusterRole", Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles",
			PatchType: types.MergePatchType, Patch: patch, PatchHash: hex.EncodeToString(sum[:]),
		}
		if _, err := f.Apply(t.Context(), p, Identity{}); !errors.Is(err, ErrRefused) {
			t.Fatalf("apply to a ClusterRole: %v, want a policy refusal", err)
		}
		cr, err := cs.RbacV1().ClusterRoles().Get(t.Context(), "view", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cr.Labels["owned"] != "" {
			t.Errorf("ClusterRole view was changed: labels %v", cr.Labels)
		}
	})
}

func TestFixerPreviewRefusals(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	label := json.RawMessage(`{"metadata":{"labels":{"x":"y"}}}`)
	fix := func(kind, namespace, name string) kube.Fix {
		return kube.Fix{Target: kube.Target{Kind: kind, Namespace: namespace, Name: name}, Operation: kube.OpMergePatch, Patch: label, Rationale: "r"}
	}
	tests := []struct {
		name   string
		policy Policy
		fix    kube.Fix
		want   string // the start of the error
	}{
		{"node", Policy{}, fix("node", ns, "kwok-node-0"), "policy: kubertnetes does not propose changes to Node objects"},
		{"cluster role", Policy{}, fix("clusterrole", ns, "admin"), "policy: kubertnetes does not propose changes to ClusterRole objects"},
		{"secret", Policy{}, fix("secret", ns, "anything"), "policy: kubertnetes does not propose changes to Secret objects"},
		{"kube-system deployment", Policy{}, fix("deployment", "kube-system", "coredns"), "policy: changes in namespace kube-system are refused"},
		{"kube-system allowed by configuration", Policy{AllowNamespaces: []string{"kube-system"}}, fix("deploy", "kube-system", "coredns"),
			`not found: deployments "coredns" in namespace "kube-system" does not exist`},
		{"invalid fix", Policy{}, kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: ns, Name: "backend"}, Operation: kube.OpScale, Rationale: "r"}, "fix: missing replicas"},
		{"missing object", Policy{}, fix("deployment", ns, "ghost"), `not found: deployments "ghost" in namespace "` + ns + `" does not exist`},
		{"unknown kind", Policy{}, fix("gizmo", ns, "x"), ""},
		{"ambiguous container", Policy{}, kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: ns, Name: "faulty-app"}, Operation: kube.OpSetImage, Image: "busybox:1.37", Rationale: "r"},
			"compile fix for deployment/faulty-app in namespace " + ns + ": deployment/faulty-app in namespace " + ns + " has containers web, checker: name the one to change"},
		{"server refuses the patch", Policy{}, kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: ns, Name: "backend"}, Operation: kube.OpJSONPatch, Rationale: "r",
			Patch: json.RawMessage(`[{"op":"replace","path":"/spec/nothing/here","value":1}]`)},
			"server-side dry run of the fix for deployment/backend in namespace " + ns + " was refused: "},
		{"no change", Policy{}, kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: ns, Name: "crashloop-app"}, Operation: kube.OpSetEnv, Env: map[string]string{"LISTEN_PORT": "eighty"}, Rationale: "r"},
			"the fix for deployment/crashloop-app in namespace " + ns + " changes nothing: the object already looks like that"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newFixer(t, tt.policy).Preview(t.Context(), tt.fix)
			if err == nil {
				t.Fatalf("got a preview, want an error:\n%s", p.Diff)
			}
			if tt.want == "" { // any clear error naming the kind
				if !strings.Contains(err.Error(), `"gizmo"`) {
					t.Errorf("error %q does not name the unknown kind", err)
				}
				return
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestFixerScaleAndRestart(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	f := newFixer(t, Policy{})
	f.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	backend := kube.Target{Kind: "deployment", Namespace: ns, Name: "backend"}
	three := int32(3)

	tests := []struct {
		name  string
		fix   kube.Fix
		diff  string
		check func(*appsv1.Deployment) bool
	}{
		{"scale", kube.Fix{Target: backend, Operation: kube.OpScale, Replicas: &three, Rationale: "more capacity"},
			"\n-  replicas: 1\n+  replicas: 3\n",
			func(d *appsv1.Deployment) bool { return *d.Spec.Replicas == 3 }},
		{"rollout-restart", kube.Fix{Target: backend, Operation: kube.OpRolloutRestart, Rationale: "pick up the new ConfigMap"},
			"\n+      annotations:\n+        kubectl.kubernetes.io/restartedAt: \"2026-01-02T03:04:05Z\"\n",
			func(d *appsv1.Deployment) bool {
				return d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "2026-01-02T03:04:05Z"
			}},
		{"set-image of one container", kube.Fix{Target: kube.Target{Kind: "deploy", Namespace: ns, Name: "faulty-app"}, Operation: kube.OpSetImage, Container: "checker", Image: "busybox:1.37", Rationale: "r"},
			"\n-        image: busybox:1.36\n+        image: busybox:1.37\n",
			func(d *appsv1.Deployment) bool {
				c := d.Spec.Template.Spec.Containers
				return c[0].Image == "busybox:1.36" && c[1].Image == "busybox:1.37"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settled(t, cs, ns, tt.fix.Target.Name)
			p, err := f.Preview(t.Context(), tt.fix)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(p.Diff, tt.diff) {
				t.Errorf("diff lacks %q:\n%s", tt.diff, p.Diff)
			}
			if tt.check(deployment(t, cs, ns, tt.fix.Target.Name)) {
				t.Fatal("the preview already changed the object")
			}
			if _, err := f.Apply(t.Context(), *p, Identity{}); err != nil {
				t.Fatal(err)
			}
			if d := deployment(t, cs, ns, tt.fix.Target.Name); !tt.check(d) {
				t.Errorf("apply did not take effect: %+v", d.Spec)
			}
		})
	}
}
