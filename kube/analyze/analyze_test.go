package analyze

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
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
func summary(f kube.Finding) string {
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
	plane.LoadDemo(t, ns)
	plane.Apply(t, ns, []byte(stuckPod))
	plane.WaitPods(t, ns, "app=stuck", 1, kubetest.Unschedulable)
	cs := plane.Clientset(t)
	for _, d := range []string{"backend", "faulty-app"} {
		kubetest.Eventually(t, 30*time.Second, "deployment "+d+" available", func() (bool, error) {
			got, err := cs.AppsV1().Deployments(ns).Get(t.Context(), d, metav1.GetOptions{})
			return err == nil && got.Status.AvailableReplicas == 1 && got.Status.UnavailableReplicas == 0, err
		})
	}
	r := newReader(t)

	findings, err := Run(t.Context(), r, Scope{Namespace: ns})
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
				fs, err := Run(t.Context(), r, Scope{Namespace: ns, Names: tt.names})
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
		limited, err := kube.NewReader(plane.User(t, "pod-watcher"), kube.ReaderOptions{Hidden: simulator})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := Run(t.Context(), limited, Scope{Namespace: ns})
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
	f := kube.Finding{Object: kube.ObjectRef{Kind: "Pod", Namespace: "shop", Name: "api-7d9f-x2x"}, Owner: &kube.ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "checkout"}}
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
	if (Scope{Names: []string{"api"}}).matches(kube.Finding{Object: kube.ObjectRef{Name: "web"}}) {
		t.Error("a finding without owner matched by a name it does not contain")
	}
}
