package kube

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

func TestLogsOfTheDemoCrashLoop(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	r := newReader(t)
	pod := plane.WaitPods(t, ns, "app=crashloop-app", 1, kubetest.CrashLooping)[0].Name

	want := "crashloop-app starting\nFATAL: LISTEN_PORT=\"eighty\" is not a port number (set env LISTEN_PORT to e.g. 8080)\n"
	for _, req := range []LogsRequest{
		{Pod: "deployment/crashloop-app"},
		{Pod: "deployment/crashloop-app", Previous: true},
		{Pod: "deploy/crashloop-app", Previous: true, Tail: 5},
		{Pod: pod, Previous: true},
		{Pod: "pod/" + pod, Container: "crashloop-app"},
	} {
		t.Run(fmt.Sprintf("%s previous=%v", req.Pod, req.Previous), func(t *testing.T) {
			req.Namespace = ns
			got, err := r.Logs(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Logs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLogs(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	current := []string{"starting app", "INFO listening on :8080", "WARN slow request /a", "ERROR db timeout", "INFO request /b", "error: retrying"}
	plane.SetLogs(t, ns, "app", current, []string{"previous run", "FATAL: config missing"})
	plane.SetLogs(t, ns, "web", []string{"web serving"}, nil)
	plane.SetLogs(t, ns, "sidecar", []string{"sidecar syncing"}, nil)
	plane.Apply(t, ns, []byte(`
apiVersion: v1
kind: Pod
metadata: {name: single, labels: {test: logs}}
spec:
  containers: [{name: app, image: registry.example/app:1}]
---
apiVersion: v1
kind: Pod
metadata: {name: duo, labels: {test: logs}}
spec:
  containers:
  - {name: web, image: registry.example/web:1}
  - {name: sidecar, image: registry.example/sidecar:1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: pair}
spec:
  replicas: 2
  selector: {matchLabels: {app: pair}}
  template:
    metadata: {labels: {app: pair}}
    spec:
      containers: [{name: web, image: registry.example/web:1}]
`))
	plane.WaitPods(t, ns, "test=logs", 2, kubetest.PodRunning)
	plane.WaitPods(t, ns, "app=pair", 2, kubetest.PodRunning)
	r := newReader(t)
	all := strings.Join(current, "\n") + "\n" // 107 bytes
	omitted := func(n int) string {
		return fmt.Sprintf("[%d earlier bytes omitted; narrow with tail, since or grep]\n", n)
	}

	tests := []struct {
		name string
		req  LogsRequest
		want string
	}{
		{"current", LogsRequest{Pod: "single"}, all},
		{"previous", LogsRequest{Pod: "single", Previous: true}, "previous run\nFATAL: config missing\n"},
		{"tail", LogsRequest{Pod: "single", Tail: 2}, "INFO request /b\nerror: retrying\n"},
		{"grep is case-insensitive", LogsRequest{Pod: "single", Grep: "error"}, "ERROR db timeout\nerror: retrying"},
		{"grep is a regular expression", LogsRequest{Pod: "single", Grep: "^(warn|error) "}, "WARN slow request /a\nERROR db timeout"},
		{"grep after tail", LogsRequest{Pod: "single", Tail: 3, Grep: "error"}, "ERROR db timeout\nerror: retrying"},
		{"grep matching nothing", LogsRequest{Pod: "single", Grep: "panic"}, "(no log lines)"},
		{"byte cap keeps the newest whole lines", LogsRequest{Pod: "single", MaxBytes: 40},
			omitted(75) + "INFO request /b\nerror: retrying\n"},
		{"byte cap on a line boundary", LogsRequest{Pod: "single", MaxBytes: 32},
			omitted(75) + "INFO request /b\nerror: retrying\n"},
		{"byte cap shorter than the newest line keeps its end", LogsRequest{Pod: "single", MaxBytes: 10},
			omitted(97) + " retrying\n"},
		{"byte cap after grep", LogsRequest{Pod: "single", Grep: "error", MaxBytes: 20},
			omitted(17) + "error: retrying"},
		{"byte cap not reached", LogsRequest{Pod: "single", MaxBytes: len(all)}, all},
		{"several containers: the first, with a note", LogsRequest{Pod: "duo"},
			"Defaulted container \"web\" out of: web, sidecar\nweb serving\n"},
		{"several containers: the one asked for", LogsRequest{Pod: "duo", Container: "sidecar"}, "sidecar syncing\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Namespace = ns
			got, err := r.Logs(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Logs (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("workload with several pods", func(t *testing.T) {
		got, err := r.Logs(t.Context(), LogsRequest{Namespace: ns, Pod: "deployment/pair"})
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^Found 2 pods, using pod/pair-[a-z0-9]+-[a-z0-9]+\nweb serving\n$`).MatchString(got) {
			t.Errorf("Logs = %q, want the note naming the pod, then its logs", got)
		}
	})
}

func TestLogsErrors(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.SetLogs(t, ns, "app", []string{"hello"}, nil)
	plane.Apply(t, ns, []byte(`
apiVersion: v1
kind: Pod
metadata: {name: single, labels: {test: logs}}
spec:
  containers: [{name: app, image: registry.example/app:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: idle}
spec:
  replicas: 0
  selector: {matchLabels: {app: idle}}
  template:
    metadata: {labels: {app: idle}}
    spec:
      containers: [{name: app, image: registry.example/app:1}]
`))
	plane.WaitPods(t, ns, "test=logs", 1, kubetest.PodRunning)
	r := newReader(t)

	tests := []struct {
		name string
		req  LogsRequest
		want string // a regular expression the error matches
	}{
		{"bad grep", LogsRequest{Namespace: ns, Pod: "single", Grep: "error("},
			`^grep "error\(" is not a valid regular expression: `},
		{"no namespace", LogsRequest{Pod: "single"}, `^logs need a namespace$`},
		{"no pod", LogsRequest{Namespace: ns}, `^logs need a pod name \(or deployment/NAME\)$`},
		{"missing pod", LogsRequest{Namespace: ns, Pod: "ghost"},
			`^not found: pods "ghost" in namespace "` + ns + `" does not exist$`},
		{"missing deployment", LogsRequest{Namespace: ns, Pod: "deployment/ghost"},
			`^not found: deployments "ghost" in namespace "` + ns + `" does not exist$`},
		{"deployment without pods", LogsRequest{Namespace: ns, Pod: "deploy/idle"},
			`^deployments "idle" has no pods \(selector app=idle\)$`},
		{"unknown kind", LogsRequest{Namespace: ns, Pod: "gizmo/x"},
			`^the server doesn't have a resource type "gizmo"`},
		{"no previous container", LogsRequest{Namespace: ns, Pod: "single", Previous: true},
			`^logs of ` + ns + `/single container "app" \(previous\): `},
		{"unknown container", LogsRequest{Namespace: ns, Pod: "single", Container: "nope"},
			`^logs of ` + ns + `/single container "nope": `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := r.Logs(t.Context(), tt.req)
			if err == nil {
				t.Fatalf("got no error and %q, want an error matching %s", out, tt.want)
			}
			if !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Errorf("error %q does not match %s", err, tt.want)
			}
		})
	}
}
