package kube

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestGetListIsAKubectlTable(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	r := newReader(t)

	out, err := r.Get(t.Context(), GetRequest{Resource: "pods", Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	header, rows := tableRows(t, out)
	if diff := cmp.Diff([]string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}, header); diff != "" {
		t.Errorf("header (-want +got):\n%s\n%s", diff, out)
	}
	// NAME, READY and STATUS of each pod, by the pod's Deployment.
	got := map[string]string{}
	for _, row := range rows {
		app := row[0][:strings.LastIndex(row[0][:strings.LastIndex(row[0], "-")], "-")]
		got[app] = strings.Join(row[1:3], " ")
	}
	want := map[string]string{
		"backend":       "1/1 Running",
		"crashloop-app": "0/1 CrashLoopBackOff",
		"faulty-app":    "2/2 Running",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pods (-want +got):\n%s\n%s", diff, out)
	}
	if strings.Contains(out, "kwok") {
		t.Errorf("table mentions the simulation:\n%s", out)
	}
}

func TestGetListVariants(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	empty := plane.Namespace(t)
	r := newReader(t)

	tests := []struct {
		name string
		req  GetRequest
		// wantHeader is the start of the header; wantNames are the first
		// columns of rows belonging to ns (other tests share the plane).
		wantHeader []string
		wantNames  []string
		wantText   string
	}{
		{
			name:       "all namespaces adds NAMESPACE",
			req:        GetRequest{Resource: "deploy", AllNamespaces: true, Namespace: "ignored"},
			wantHeader: []string{"NAMESPACE", "NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"},
			wantNames:  []string{ns + " backend", ns + " crashloop-app", ns + " faulty-app"},
		},
		{
			name:       "label selector narrows",
			req:        GetRequest{Resource: "deployments", Namespace: ns, LabelSelector: "app in (backend,faulty-app)"},
			wantHeader: []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"},
			wantNames:  []string{"backend", "faulty-app"},
		},
		{
			name:       "field selector narrows",
			req:        GetRequest{Resource: "services", Namespace: ns, FieldSelector: "metadata.name=backend-service"},
			wantHeader: []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"},
			wantNames:  []string{"backend-service"},
		},
		{
			name:       "wide adds columns",
			req:        GetRequest{Resource: "po", Namespace: ns, LabelSelector: "app=backend", Wide: true},
			wantHeader: []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"},
		},
		{
			name:       "cluster-scoped resource ignores the namespace",
			req:        GetRequest{Resource: "no", Namespace: ns},
			wantHeader: []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION"},
		},
		{
			name:     "empty namespace",
			req:      GetRequest{Resource: "pods", Namespace: empty},
			wantText: fmt.Sprintf("No pods found in %s namespace.", empty),
		},
		{
			name:     "selector matching nothing",
			req:      GetRequest{Resource: "pods", Namespace: ns, LabelSelector: "app=nothing"},
			wantText: fmt.Sprintf("No pods found in %s namespace.", ns),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := r.Get(t.Context(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantText != "" {
				if out != tt.wantText {
					t.Errorf("got %q, want %q", out, tt.wantText)
				}
				return
			}
			header, rows := tableRows(t, out)
			if len(header) < len(tt.wantHeader) {
				t.Fatalf("header %q, want it to start with %q", header, tt.wantHeader)
			}
			if diff := cmp.Diff(tt.wantHeader, header[:len(tt.wantHeader)]); diff != "" {
				t.Errorf("header (-want +got):\n%s\n%s", diff, out)
			}
			if tt.wantNames == nil {
				return
			}
			var names []string
			for _, row := range rows {
				key := row[0]
				if tt.req.AllNamespaces {
					if row[0] != ns {
						continue
					}
					key = row[0] + " " + row[1]
				}
				names = append(names, key)
			}
			if diff := cmp.Diff(tt.wantNames, names); diff != "" {
				t.Errorf("rows (-want +got):\n%s\n%s", diff, out)
			}
		})
	}
}

func TestGetOneIsYAMLWithoutBookkeeping(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	r := newReader(t)

	out, err := r.Get(t.Context(), GetRequest{Resource: "deployment", Namespace: ns, Name: "crashloop-app"})
	if err != nil {
		t.Fatal(err)
	}
	for _, hidden := range []string{"managedFields", "kwok.x-k8s.io"} {
		if strings.Contains(out, hidden) {
			t.Errorf("YAML contains %q:\n%s", hidden, out)
		}
	}
	var obj struct {
		Kind     string
		Metadata struct{ Name, Namespace string }
		Spec     struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Env []struct{ Name, Value string }
					}
				}
			}
		}
	}
	if err := yaml.Unmarshal([]byte(out), &obj); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, out)
	}
	got := fmt.Sprintf("%s %s/%s %v", obj.Kind, obj.Metadata.Namespace, obj.Metadata.Name, obj.Spec.Template.Spec.Containers)
	want := fmt.Sprintf("Deployment %s/crashloop-app [{[{LISTEN_PORT eighty}]}]", ns)
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestGetResourceNames(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	r := newReader(t)

	// Every way a user or model names pods and deployments finds them.
	tests := []struct{ resource, want string }{
		{"po", "crashloop-app-"},
		{"pod", "crashloop-app-"},
		{"Pods", "crashloop-app-"},
		{"deploy", "crashloop-app"},
		{"Deployment", "crashloop-app"},
		{"deployments.apps", "crashloop-app"},
		{"deployments.v1.apps", "crashloop-app"},
		{"  svc ", "backend-service"},
		{"cm", "faulty-app-config"},
		{"rs", "crashloop-app-"},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			out, err := r.Get(t.Context(), GetRequest{Resource: tt.resource, Namespace: ns})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, "\n"+tt.want) {
				t.Errorf("Get(%q) has no row for %s:\n%s", tt.resource, tt.want, out)
			}
		})
	}
}

func TestGetErrors(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	r := newReader(t)
	nobody, err := NewReader(plane.User(t, "nobody"), ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		r    *Reader
		req  GetRequest
		want string // the start of the error
	}{
		{"unknown resource type", r, GetRequest{Resource: "frobnicators", Namespace: ns},
			`the server doesn't have a resource type "frobnicators" (list them with api-resources)`},
		{"no resource type", r, GetRequest{Namespace: ns}, "no resource type given"},
		{"simulation resources are hidden", r, GetRequest{Resource: "clusterlogs"},
			`the server doesn't have a resource type "clusterlogs" (list them with api-resources)`},
		{"simulation group is hidden", r, GetRequest{Resource: "stages.kwok.x-k8s.io"},
			`the server doesn't have a resource type "stages.kwok.x-k8s.io"`},
		{"missing object", r, GetRequest{Resource: "deploy", Namespace: ns, Name: "ghost"},
			fmt.Sprintf(`not found: deployments "ghost" in namespace %q does not exist`, ns)},
		{"missing cluster-scoped object", r, GetRequest{Resource: "node", Name: "ghost"},
			`not found: nodes "ghost" does not exist`},
		{"namespaced object without namespace", r, GetRequest{Resource: "pods", Name: "x"},
			`pods is namespaced: give a namespace to get "x"`},
		{"forbidden list", nobody, GetRequest{Resource: "pods", Namespace: ns},
			fmt.Sprintf(`forbidden: kubertnetes' identity may not read pods in namespace %q (RBAC)`, ns)},
		{"forbidden get", nobody, GetRequest{Resource: "secrets", Namespace: ns, Name: "x"},
			"forbidden: "},
		{"forbidden all namespaces", nobody, GetRequest{Resource: "deploy", AllNamespaces: true},
			"forbidden: kubertnetes' identity may not read deployments (RBAC)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.r.Get(t.Context(), tt.req)
			if err == nil {
				t.Fatalf("got no error and\n%s\nwant an error starting %q", out, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestGetSeesCRDCreatedAfterDiscovery(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	r := newReader(t)
	group := ns + ".example.com"

	// Warm the discovery cache, and see the type is unknown yet.
	if _, err := r.Get(t.Context(), GetRequest{Resource: "pods", Namespace: ns}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(t.Context(), GetRequest{Resource: "widgets." + group, Namespace: ns}); err == nil {
		t.Fatal("widgets are gettable before their CRD exists")
	}

	plane.Apply(t, ns, fmt.Appendf(nil, `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.%[1]s
spec:
  group: %[1]s
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg%[2]s]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: %[1]s/v1
kind: Widget
metadata:
  name: sprocket
spec:
  size: 3
`, group, ns[len(ns)-5:]))

	for _, resource := range []string{"widgets." + group, "wdg" + ns[len(ns)-5:]} {
		out, err := r.Get(t.Context(), GetRequest{Resource: resource, Namespace: ns})
		if err != nil {
			t.Fatalf("Get %s: %v", resource, err)
		}
		if _, rows := tableRows(t, out); len(rows) != 1 || rows[0][0] != "sprocket" {
			t.Errorf("Get %s:\n%s\nwant one row, sprocket", resource, out)
		}
	}
	out, err := r.Get(t.Context(), GetRequest{Resource: "widget." + group, Namespace: ns, Name: "sprocket"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "kind: Widget") || !strings.Contains(out, "size: 3") {
		t.Errorf("Get widget sprocket:\n%s", out)
	}
}
