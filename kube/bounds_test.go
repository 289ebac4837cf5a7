package kube

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

// A log larger than a logs call reads is read from its newest end and
// never whole: grep finds the newest match, not the oldest, and the answer
// says what was left unread.
func TestLogsReadsTheNewestBoundedPart(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	pad := strings.Repeat("x", 300)
	lines := make([]string, 0, 20_000) // ~6 MiB: three times what one call reads
	lines = append(lines, "needle oldest")
	for i := range 20_000 - 2 {
		lines = append(lines, fmt.Sprintf("line %d %s", i, pad))
	}
	lines = append(lines, "needle newest")
	plane.SetLogs(t, ns, "big", lines, nil)
	plane.Apply(t, ns, []byte(`
apiVersion: v1
kind: Pod
metadata: {name: chatty, labels: {test: biglogs}}
spec:
  containers: [{name: big, image: registry.example/big:1}]
`))
	plane.WaitPods(t, ns, "test=biglogs", 1, kubetest.PodRunning)
	r := newReader(t)

	got, err := r.Logs(t.Context(), LogsRequest{Namespace: ns, Pod: "chatty", Grep: "needle"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "needle newest") || strings.Contains(got, "needle oldest") {
		t.Errorf("Logs grep = %q, want the newest match only (the oldest part is never read)", got)
	}
	if !strings.Contains(got, "only the newest") {
		t.Errorf("Logs grep = %q, want a note that only the newest lines were read", got)
	}

	got, err = r.Logs(t.Context(), LogsRequest{Namespace: ns, Pod: "chatty"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, "needle newest\n") {
		t.Errorf("Logs ends with %q, want the newest line", got[max(0, len(got)-80):])
	}
}

// Events are read a page at a time and only the newest are kept, with a
// note saying how many older ones were not.
func TestEventsArePagedAndCapped(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	cs := plane.Clientset(t)
	now := time.Now()
	const n = 25
	for i := range n {
		at := metav1.NewTime(now.Add(-time.Duration(i) * time.Minute)) // ev-0 is the newest
		_, err := cs.CoreV1().Events(ns).Create(t.Context(), &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: fmt.Sprintf("ev-%d", i)},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "web-1"},
			Type:           "Warning", Reason: "BackOff", Message: fmt.Sprintf("event %d", i),
			Source: corev1.EventSource{Component: "test"}, FirstTimestamp: at, LastTimestamp: at,
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var lists []string
	cfg := rest.CopyConfig(plane.Config())
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if strings.HasSuffix(req.URL.Path, "/events") {
				mu.Lock()
				lists = append(lists, req.URL.RawQuery)
				mu.Unlock()
			}
			return rt.RoundTrip(req)
		})
	})
	r, err := NewReader(cfg, ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	r.eventPage, r.maxEvents = 10, 20

	evs, err := r.EventList(t.Context(), EventsRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 20 || evs[0].Name != "ev-0" || evs[19].Name != "ev-19" {
		names := make([]string, len(evs))
		for i, e := range evs {
			names[i] = e.Name
		}
		t.Errorf("EventList = %v, want ev-0 … ev-19, the newest 20", names)
	}
	mu.Lock()
	if len(lists) != 3 || !strings.Contains(lists[0], "limit=10") {
		t.Errorf("event list requests = %q, want 3 pages of 10", lists)
	}
	mu.Unlock()

	table, err := r.Events(t.Context(), EventsRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(table, "[5 older events were not read (at most 20 are)") {
		t.Errorf("Events = %q, want a first line saying 5 older events were not read", table)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
