package kube

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// FuzzCommand runs any command line a model can write through the kubectl
// entry point, against a fake API server that records what reaches it (the
// real plane is never started). The parser never panics, a refusal says
// why, and whatever runs only reads: GET requests, and POST only for the
// self access reviews of auth can-i. Seeds: testdata/fuzz/FuzzCommand.
func FuzzCommand(f *testing.F) {
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	f.Cleanup(srv.Close)
	r, err := NewReader(&rest.Config{Host: srv.URL, Timeout: 5 * time.Second, QPS: -1}, ReaderOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, line string) {
		api.reset()
		_, err := r.Command(context.Background(), line)
		if err != nil && strings.TrimSpace(err.Error()) == "" {
			t.Fatalf("Command(%q) refused with an empty error", line)
		}
		for _, req := range api.requests() {
			if !readOnly(req) {
				t.Fatalf("Command(%q) sent %s: the kubectl entry point only reads", line, req)
			}
		}
	})
}

// readOnly reports whether a request ("METHOD path") only reads.
func readOnly(req string) bool {
	method, path, _ := strings.Cut(req, " ")
	switch method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		return strings.HasPrefix(path, "/apis/authorization.k8s.io/v1/selfsubject")
	}
	return false
}

// fakeAPI is an API server that serves a small discovery document and the
// version, answers everything else 404, and records each request.
type fakeAPI struct {
	mu   sync.Mutex
	seen []string
}

func (a *fakeAPI) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.seen = nil
}

func (a *fakeAPI) requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, req.Method+" "+req.URL.Path)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if body, ok := fakeDiscovery[req.URL.Path]; ok && req.Method == http.MethodGet {
		fmt.Fprint(w, body)
		return
	}
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"not found"}`)
}

// fakeDiscovery is what the fake API server serves: the core and apps
// groups with the resources models ask about most, and metrics for top.
var fakeDiscovery = map[string]string{
	"/version": `{"major":"1","minor":"37","gitVersion":"v1.37.1"}`,
	"/api":     `{"kind":"APIVersions","versions":["v1"]}`,
	"/apis": `{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
		{"name":"metrics.k8s.io","versions":[{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}],"preferredVersion":{"groupVersion":"metrics.k8s.io/v1beta1","version":"v1beta1"}}]}`,
	"/api/v1": `{"kind":"APIResourceList","groupVersion":"v1","resources":[
		{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]},
		{"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]},
		{"name":"services","singularName":"service","namespaced":true,"kind":"Service","verbs":["get","list"],"shortNames":["svc"]},
		{"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["get","list"],"shortNames":["cm"]},
		{"name":"events","singularName":"event","namespaced":true,"kind":"Event","verbs":["get","list"],"shortNames":["ev"]},
		{"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["get","list"],"shortNames":["no"]},
		{"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["get","list"],"shortNames":["ns"]}]}`,
	"/apis/apps/v1": `{"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
		{"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["get","list"],"shortNames":["deploy"]},
		{"name":"replicasets","singularName":"replicaset","namespaced":true,"kind":"ReplicaSet","verbs":["get","list"],"shortNames":["rs"]},
		{"name":"statefulsets","singularName":"statefulset","namespaced":true,"kind":"StatefulSet","verbs":["get","list"],"shortNames":["sts"]}]}`,
	"/apis/metrics.k8s.io/v1beta1": `{"kind":"APIResourceList","groupVersion":"metrics.k8s.io/v1beta1","resources":[
		{"name":"pods","singularName":"","namespaced":true,"kind":"PodMetrics","verbs":["get","list"]},
		{"name":"nodes","singularName":"","namespaced":false,"kind":"NodeMetrics","verbs":["get","list"]}]}`,
}
