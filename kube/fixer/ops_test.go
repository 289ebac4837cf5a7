package fixer

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
)

func TestFixPatchSetResources(t *testing.T) {
	cronjob := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "batch/v1", "kind": "CronJob",
		"metadata": map[string]any{"name": "report", "resourceVersion": "7"},
		"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "report"}},
		}}}}},
	}}
	fix := kube.Fix{Target: kube.Target{Kind: "cronjob", Namespace: "shop", Name: "report"}, Operation: kube.OpSetResources,
		Resources: &kube.Resources{Requests: map[string]string{"memory": "64Mi"}, Limits: map[string]string{"memory": "128Mi"}}}
	pt, patch, err := patchFor(fix, cronjob, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"metadata":{"resourceVersion":"7"},"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"report","resources":{"limits":{"memory":"128Mi"},"requests":{"memory":"64Mi"}}}]}}}}}}`
	if pt != types.StrategicMergePatchType {
		t.Errorf("patch type %s", pt)
	}
	if d := cmp.Diff(want, string(patch)); d != "" {
		t.Errorf("patch (-want +got):\n%s", d)
	}
}

func TestFixSetResourcesAppliesToOneContainer(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	f := newFixer(t, Policy{})
	p, err := f.Preview(t.Context(), kube.Fix{Target: kube.Target{Kind: "deploy", Namespace: ns, Name: "faulty-app"}, Operation: kube.OpSetResources, Container: "checker",
		Resources: &kube.Resources{Limits: map[string]string{"memory": "64Mi"}}, Rationale: "OOMKilled at 32Mi"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Diff, "-            memory: 32Mi\n+            memory: 64Mi\n") || strings.Count(p.Diff, "\n+ ") != 1 {
		t.Errorf("diff is not one memory limit:\n%s", p.Diff)
	}
	if _, err := f.Apply(t.Context(), *p, Identity{}); err != nil {
		t.Fatal(err)
	}
	c := deployment(t, cs, ns, "faulty-app").Spec.Template.Spec.Containers
	if got := c[1].Resources.Limits.Memory().String(); got != "64Mi" || c[0].Resources.Limits.Memory().String() != "32Mi" {
		t.Errorf("limits web %s, checker %s; want 32Mi and 64Mi", c[0].Resources.Limits.Memory(), got)
	}
}

func TestFixDeletePod(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	f := newFixer(t, Policy{})
	pod := plane.WaitPods(t, ns, "app=backend", 1, kubetest.PodReady)[0]

	p, err := f.Preview(t.Context(), kube.Fix{Target: kube.Target{Kind: "pod", Namespace: ns, Name: pod.Name}, Operation: kube.OpDeletePod, Rationale: "stuck"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--- pod/" + pod.Name + " (live)", "+++ pod/" + pod.Name + " (deleted, server dry-run)", "-  name: " + pod.Name} {
		if !strings.Contains(p.Diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, p.Diff)
		}
	}
	if strings.Contains(p.Diff, "\n+ ") {
		t.Errorf("a deletion diff adds lines:\n%s", p.Diff)
	}
	if p.UID != pod.UID || !strings.Contains(string(p.Patch), string(pod.UID)) {
		t.Errorf("preview is not bound to the pod's uid %s: %s", pod.UID, p.Patch)
	}
	if _, err := cs.CoreV1().Pods(ns).Get(t.Context(), pod.Name, metav1.GetOptions{}); err != nil {
		t.Fatalf("the dry run deleted the pod: %v", err)
	}

	// Changed since the preview: refused, the pod stays.
	touchPod(t, ns, pod.Name)
	if _, err := f.Apply(t.Context(), *p, Identity{}); !errors.Is(err, ErrConflict) {
		t.Fatalf("apply after a change: %v, want ErrConflict", err)
	}
	if _, err := cs.CoreV1().Pods(ns).Get(t.Context(), pod.Name, metav1.GetOptions{}); err != nil {
		t.Fatalf("a refused delete removed the pod: %v", err)
	}

	fresh, err := f.Preview(t.Context(), p.Fix)
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.Apply(t.Context(), *fresh, Identity{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Verify(t.Context(), a, VerifyOptions{Timeout: 30 * time.Second, Settle: time.Second, Interval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !v.Verified || !strings.Contains(v.Summary(), "pod "+pod.Name+" is gone") || !strings.Contains(v.Summary(), "1 pods Ready") {
		t.Errorf("verification = %+v, want the pod gone and its replacement Ready", v)
	}
	if _, err := Rollback(a, "x"); !errors.Is(err, ErrNoRollback) || !strings.Contains(err.Error(), "cannot be restored") {
		t.Errorf("Rollback of a delete = %v, want ErrNoRollback saying why", err)
	}
}

func touchPod(t *testing.T, ns, name string) {
	t.Helper()
	_, err := plane.Clientset(t).CoreV1().Pods(ns).Patch(t.Context(), name, types.MergePatchType, []byte(`{"metadata":{"labels":{"touched":"yes"}}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFixCreateMissingObject(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	f := newFixer(t, Policy{})
	// faulty-app looks for Service backend-svc; create it.
	svc := kube.Fix{Target: kube.Target{Kind: "service", Namespace: ns, Name: "backend-svc"}, Operation: kube.OpCreate, Rationale: "faulty-app calls backend-svc",
		Manifest: json.RawMessage(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"backend-svc"},"spec":{"selector":{"app":"backend"},"ports":[{"port":8080,"targetPort":"http"}]}}`)}
	p, err := f.Preview(t.Context(), svc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--- service/backend-svc (does not exist)", "+++ service/backend-svc (created, server dry-run)", "+  name: backend-svc", "+  namespace: " + ns, "+    app: backend"} {
		if !strings.Contains(p.Diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, p.Diff)
		}
	}
	if _, err := cs.CoreV1().Services(ns).Get(t.Context(), "backend-svc", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the dry run created the Service: %v", err)
	}
	a, err := f.Apply(t.Context(), *p, Identity{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cs.CoreV1().Services(ns).Get(t.Context(), "backend-svc", metav1.GetOptions{})
	if err != nil || got.UID != a.UID {
		t.Fatalf("created Service: %v (uid %v, applied %v)", err, got, a.UID)
	}
	v, err := f.Verify(t.Context(), a, VerifyOptions{Timeout: 30 * time.Second, Settle: time.Second, Interval: 200 * time.Millisecond})
	if err != nil || !v.Verified || !strings.Contains(v.Summary(), "service backend-svc has 1 ready endpoints") {
		t.Errorf("verification = %+v, %v; want ready endpoints", v, err)
	}
	// Applying the same creation again: the object exists now.
	if _, err := f.Apply(t.Context(), *p, Identity{}); !errors.Is(err, ErrConflict) {
		t.Errorf("second create: %v, want ErrConflict", err)
	}

	tests := []struct {
		name string
		fix  kube.Fix
		want string
	}{
		{"already exists", svc, "service/backend-svc in namespace " + ns + " already exists: create only makes a missing object"},
		{"kind differs from the target", kube.Fix{Target: kube.Target{Kind: "configmap", Namespace: ns, Name: "c"}, Manifest: json.RawMessage(`{"apiVersion":"v1","kind":"Secret"}`)},
			"fix: the manifest is a Secret (v1) but the target is a ConfigMap"},
		{"name differs", kube.Fix{Target: kube.Target{Kind: "configmap", Namespace: ns, Name: "c"}, Manifest: json.RawMessage(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"}}`)},
			`fix: the manifest names "d" but the target is "c"`},
		{"another namespace", kube.Fix{Target: kube.Target{Kind: "configmap", Namespace: ns, Name: "c"}, Manifest: json.RawMessage(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"namespace":"other"}}`)},
			`fix: the manifest's namespace "other" is not the target's`},
		{"server refuses", kube.Fix{Target: kube.Target{Kind: "service", Namespace: ns, Name: "bad"}, Manifest: json.RawMessage(`{"apiVersion":"v1","kind":"Service","spec":{"ports":[{"port":-1}]}}`)},
			"server-side dry run of the fix for service/bad in namespace " + ns + " was refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fix.Operation, tt.fix.Rationale = kube.OpCreate, "r"
			if _, err := f.Preview(t.Context(), tt.fix); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Preview = %v, want %q", err, tt.want)
			}
		})
	}
}
