package analyze

import (
	"net/http"
	"path"
	"strings"
	"sync"
	"testing"

	"github.com/kubertnetes/kubertnetes/kube"
)

// listCounter counts the GET requests that reach the API server, by path
// and selector (a list's continuation pages aside), and the content types
// pod lists accept.
type listCounter struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
	pods []string // the Accept headers of pod lists
}

func (c *listCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	q := req.URL.Query()
	if req.Method == http.MethodGet {
		key := req.URL.Path
		if sel := q.Get("fieldSelector") + q.Get("labelSelector"); sel != "" {
			key += "?" + sel
		}
		c.mu.Lock()
		if q.Get("continue") == "" {
			c.n[key]++
		}
		if path.Base(req.URL.Path) == "pods" {
			c.pods = append(c.pods, req.Header.Get("Accept"))
		}
		c.mu.Unlock()
	}
	return c.next.RoundTrip(req)
}

// TestSweepListsEachKindOnce checks that one Run lists each of
// the shared kinds once, however many analyzers read it, page by page and
// as protobuf; and that the lists come without managedFields.
func TestSweepListsEachKindOnce(t *testing.T) {
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	counter := &listCounter{n: map[string]int{}}
	cfg := plane.Config()
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { counter.next = rt; return counter }
	r, err := kube.NewReader(cfg, kube.ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(t.Context(), r, Scope{Namespace: ns}); err != nil {
		t.Fatal(err)
	}
	shared := []string{"pods", "replicasets", "deployments", "statefulsets", "daemonsets", "jobs", "cronjobs", "services", "configmaps", "secrets"}
	for key, n := range counter.n {
		p, _, _ := strings.Cut(key, "?")
		for _, kind := range shared {
			if path.Base(p) == kind && n > 1 {
				t.Errorf("%s listed %d times in one sweep, want once (share %s in the sweep)", key, n, kind)
			}
		}
	}
	if counter.n["/api/v1/namespaces/"+ns+"/pods"] != 1 {
		t.Errorf("pods of %s listed %d times, want 1 (lists: %v)", ns, counter.n["/api/v1/namespaces/"+ns+"/pods"], counter.n)
	}
	for _, accept := range counter.pods {
		if !strings.HasPrefix(accept, "application/vnd.kubernetes.protobuf") {
			t.Errorf("pods listed accepting %q, want protobuf first", accept)
		}
	}

	// The shared lists are slim.
	pods, err := newSweep(r).Pods(t.Context(), ns)
	if err != nil || len(pods) == 0 {
		t.Fatalf("Pods: %d pods, %v", len(pods), err)
	}
	for _, p := range pods {
		if len(p.ManagedFields) > 0 {
			t.Errorf("pod %s keeps its managedFields", p.Name)
		}
	}
}
