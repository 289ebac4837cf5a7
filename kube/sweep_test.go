package kube

import (
	"context"
	"net/http"
	"path"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// TestSweepListsEachKindOnce checks that one Analyze call lists each of
// the shared kinds once, however many analyzers read it, page by page and
// as protobuf; and that the lists come without managedFields.
func TestSweepListsEachKindOnce(t *testing.T) {
	ns := plane.Namespace(t)
	loadDemo(t, ns)
	counter := &listCounter{n: map[string]int{}}
	cfg := plane.Config()
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { counter.next = rt; return counter }
	r, err := NewReader(cfg, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Analyze(t.Context(), r, Scope{Namespace: ns}); err != nil {
		t.Fatal(err)
	}
	shared := []string{"pods", "replicasets", "deployments", "statefulsets", "daemonsets", "jobs", "cronjobs", "services", "configmaps", "secrets"}
	for key, n := range counter.n {
		p, _, _ := strings.Cut(key, "?")
		for _, kind := range shared {
			if path.Base(p) == kind && n > 1 {
				t.Errorf("%s listed %d times in one sweep, want once (use the Reader's list%s helper)", key, n, kind)
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
	sw := r.forSweep()
	pods, err := sw.listPods(t.Context(), ns)
	if err != nil || len(pods) == 0 {
		t.Fatalf("listPods: %d pods, %v", len(pods), err)
	}
	for _, p := range pods {
		if len(p.ManagedFields) > 0 {
			t.Errorf("pod %s keeps its managedFields", p.Name)
		}
	}
}

// TestListPagesFollowsContinue checks paging on the real API server: a
// page size smaller than the list still returns every object, once.
func TestListPagesFollowsContinue(t *testing.T) {
	ns := plane.Namespace(t)
	cs := plane.Clientset(t)
	for i := range 7 {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm-" + string(rune('a'+i))}}
		if _, err := cs.CoreV1().ConfigMaps(ns).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pages := 0
	got, err := listPages(t.Context(), "configmaps", ns, func(ctx context.Context, o metav1.ListOptions) ([]string, string, error) {
		pages++
		o.Limit = 3
		l, err := cs.CoreV1().ConfigMaps(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		var names []string
		for _, cm := range l.Items {
			names = append(names, cm.Name)
		}
		return names, l.Continue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 7 ConfigMaps and kube-root-ca.crt, 3 a page.
	if len(got) != 8 || pages != 3 {
		t.Errorf("got %d objects in %d pages (%v), want 8 in 3", len(got), pages, got)
	}
}
