package kube

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

// stuckPod cannot be scheduled: no node has its label.
const stuckPod = `
apiVersion: v1
kind: Pod
metadata: {name: stuck, labels: {app: stuck}}
spec:
  nodeSelector: {disktype: nvme}
  containers: [{name: app, image: registry.example/app:1}]
`

// summary is what a reader of a finding sees first.
func summary(f Finding) string {
	owner := ""
	if f.Owner != nil {
		owner = " owner " + f.Owner.String()
	}
	name := f.Object.Name
	if f.Owner != nil && f.Object.Kind == "Pod" {
		name = f.Owner.Name + "-…" // the pod's generated name
	}
	return fmt.Sprintf("%s %s %s/%s%s", f.Severity, f.Reason, strings.ToLower(f.Object.Kind), name, owner)
}

func TestAnalyzeDemo(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	loadDemo(t, ns)
	plane.Apply(t, ns, []byte(stuckPod))
	waitPods(t, ns, "app=stuck", 1, unschedulable)
	cs := plane.Clientset(t)
	for _, d := range []string{"backend", "faulty-app"} {
		kubetest.Eventually(t, 30*time.Second, "deployment "+d+" available", func() (bool, error) {
			got, err := cs.AppsV1().Deployments(ns).Get(t.Context(), d, metav1.GetOptions{})
			return err == nil && got.Status.AvailableReplicas == 1 && got.Status.UnavailableReplicas == 0, err
		})
	}
	r := newReader(t)

	findings, err := Analyze(t.Context(), r, Scope{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range findings {
		got = append(got, summary(f))
	}
	want := []string{
		"critical CrashLoopBackOff pod/crashloop-app-… owner " + ns + "/deployment/crashloop-app",
		"critical Unschedulable pod/stuck",
		"warning ServiceNotFound configmap/faulty-app-config owner " + ns + "/deployment/faulty-app",
		"warning UnavailableReplicas deployment/crashloop-app",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("findings (-want +got):\n%s\n%+v", diff, findings)
	}

	crash := findings[0]
	if !strings.Contains(crash.Message, "it last exited with code 1 (Error)") {
		t.Errorf("message %q does not give the exit code", crash.Message)
	}
	wantLog := `log: FATAL: LISTEN_PORT="eighty" is not a port number (set env LISTEN_PORT to e.g. 8080)`
	if !slices.Contains(crash.Evidence, wantLog) {
		t.Errorf("evidence %q lacks the log line %q", crash.Evidence, wantLog)
	}
	if !strings.Contains(findings[1].Message, "didn't match Pod's node affinity/selector") {
		t.Errorf("unschedulable message %q does not say why", findings[1].Message)
	}

	t.Run("scope names", func(t *testing.T) {
		tests := []struct {
			names []string
			want  []string
		}{
			{[]string{"CRASHLOOP"}, []string{want[0], want[3]}},
			{[]string{"stuck", "crashloop-app"}, []string{want[0], want[1], want[3]}},
			{[]string{"backend"}, nil},
			{[]string{"faulty-app"}, []string{want[2]}},
		}
		for _, tt := range tests {
			t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
				fs, err := Analyze(t.Context(), r, Scope{Namespace: ns, Names: tt.names})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range fs {
					got = append(got, summary(f))
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("findings (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("one analyzer forbidden, the others still report", func(t *testing.T) {
		plane.Apply(t, ns, []byte(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pods-only}
rules:
- {apiGroups: [""], resources: [pods, pods/log], verbs: [get, list]}
- {apiGroups: [apps], resources: [replicasets], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pods-only}
subjects: [{kind: User, name: pod-watcher, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: pods-only, apiGroup: rbac.authorization.k8s.io}
`))
		limited, err := NewReader(plane.User(t, "pod-watcher"), ReaderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := Analyze(t.Context(), limited, Scope{Namespace: ns})
		if err == nil || !strings.HasPrefix(err.Error(), "deployment analyzer: forbidden: ") {
			t.Errorf("error %v, want the deployment analyzer's forbidden error", err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, summary(f))
		}
		if diff := cmp.Diff(want[:2], got); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
	})
}

func TestScopeMatches(t *testing.T) {
	f := Finding{Object: ObjectRef{Kind: "Pod", Namespace: "shop", Name: "api-7d9f-x2x"}, Owner: &ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "checkout"}}
	tests := []struct {
		names []string
		want  bool
	}{
		{nil, true},
		{[]string{"api"}, true},
		{[]string{"API-7D9F"}, true},
		{[]string{"checkout"}, true},
		{[]string{"payments", "check"}, true},
		{[]string{"payments"}, false},
		{[]string{"shop"}, false},
	}
	for _, tt := range tests {
		if got := (Scope{Names: tt.names}).matches(f); got != tt.want {
			t.Errorf("Scope{Names: %q}.matches = %v, want %v", tt.names, got, tt.want)
		}
	}
	if (Scope{Names: []string{"api"}}).matches(Finding{Object: ObjectRef{Name: "web"}}) {
		t.Error("a finding without owner matched by a name it does not contain")
	}
}

func TestSortFindings(t *testing.T) {
	f := func(sev Severity, ns, kind, name, reason, msg string) Finding {
		return Finding{Severity: sev, Object: ObjectRef{Kind: kind, Namespace: ns, Name: name}, Reason: reason, Message: msg}
	}
	in := []Finding{
		f(Info, "a", "Pod", "a", "X", ""),
		f(Warning, "shop", "Pod", "api", "Evicted", ""),
		f(Critical, "shop", "Pod", "api", "OOMKilled", "sidecar"),
		f(Critical, "shop", "Deployment", "api", "ProgressDeadlineExceeded", ""),
		f(Critical, "default", "Pod", "web", "CrashLoopBackOff", ""),
		f(Critical, "shop", "Pod", "api", "CrashLoopBackOff", "first"),
		f(Critical, "shop", "Pod", "api", "CrashLoopBackOff", "second"),
		f(Critical, "shop", "Pod", "api", "OOMKilled", "api"),
	}
	want := []string{
		"critical default/pod/web CrashLoopBackOff ",
		"critical shop/deployment/api ProgressDeadlineExceeded ",
		"critical shop/pod/api CrashLoopBackOff first",
		"critical shop/pod/api CrashLoopBackOff second",
		"critical shop/pod/api OOMKilled sidecar",
		"critical shop/pod/api OOMKilled api",
		"warning shop/pod/api Evicted ",
		"info a/pod/a X ",
	}
	// Any input order gives the same output: stable for equal keys.
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5, 6, 7}, {7, 6, 5, 4, 3, 2, 1, 0}, {3, 0, 5, 2, 7, 4, 1, 6}} {
		fs := make([]Finding, 0, len(in))
		for _, i := range order {
			fs = append(fs, in[i])
		}
		SortFindings(fs)
		var got []string
		for _, f := range fs {
			got = append(got, fmt.Sprintf("%s %s %s %s", f.Severity, f.Object, f.Reason, f.Message))
		}
		if order[0] == 7 { // reversed input keeps equal findings reversed
			want := slices.Clone(want)
			want[2], want[3] = want[3], want[2]
			want[4], want[5] = want[5], want[4]
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("order %v (-want +got):\n%s", order, diff)
			}
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("order %v (-want +got):\n%s", order, diff)
		}
	}
}
