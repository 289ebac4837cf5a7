package kube

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// fakeAPI is an API server that answers discovery (fakeDiscovery) and
// nothing else: every other request is recorded ("METHOD path") and
// answered 404 or, when stall is set, never answered.
type fakeAPI struct {
	stall   bool
	release chan struct{}
	mu      sync.Mutex
	seen    []string // requests other than discovery
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if body, ok := fakeDiscovery[r.URL.Path]; ok && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
		return
	}
	f.mu.Lock()
	f.seen = append(f.seen, r.Method+" "+r.URL.EscapedPath())
	f.mu.Unlock()
	if f.stall {
		select { // a stalled aggregated API: no answer, ever
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"not found"}`))
}

func (f *fakeAPI) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = nil
}

func (f *fakeAPI) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// fakeReader serves a Reader from api; the config's own timeout is long,
// so only a context can end a stalled request.
func fakeReader(t testing.TB, api *fakeAPI) *Reader {
	t.Helper()
	api.release = make(chan struct{})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(api.release) }) // runs first: no handler outlives the test
	r, err := NewReader(&rest.Config{Host: srv.URL, Timeout: 10 * time.Minute, QPS: -1}, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fakeDiscovery is what the fake API server serves: the core and apps
// groups with the resources models ask about most, and metrics for top.
var fakeDiscovery = map[string]string{
	"/api": `{"kind":"APIVersions","versions":["v1"]}`,
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
