package kubetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/localcluster"
)

// recorder is a test that records how it failed instead of failing.
type recorder struct {
	testing.TB
	failure string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failure = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// failure runs f as a test on its own goroutine and returns how f failed
// it ("" if it did not).
func failure(t *testing.T, f func(testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failure
}

// panicked calls f and returns what it panicked with ("" if nothing).
func panicked(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// A plane starts only when a test first needs it, once; when it cannot
// start, each test that needs it fails with the reason.
func TestPlaneStartsOnFirstUseOnce(t *testing.T) {
	starts := 0
	p := &Plane{ctx: t.Context(), setup: func(context.Context) (*localcluster.Cluster, error) {
		starts++
		return nil, errors.New("build binaries: go: not found")
	}}
	if starts != 0 || p.Started() {
		t.Fatalf("before any use: %d starts, Started() = %v; want none", starts, p.Started())
	}
	const want = "kubetest: no control plane for this test package: build binaries: go: not found"
	uses := map[string]func(testing.TB){
		"Clientset": func(tb testing.TB) { p.Clientset(tb) },
		"Namespace": func(tb testing.TB) { p.Namespace(tb) },
		"User":      func(tb testing.TB) { p.User(tb, "bob") },
		"Apply": func(tb testing.TB) {
			p.Apply(tb, "default", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"))
		},
		"CreateObjects": func(tb testing.TB) { p.CreateObjects(tb, "default", nil) },
	}
	for name, use := range uses {
		if got := failure(t, use); got != want {
			t.Errorf("%s failed the test with %q, want %q", name, got, want)
		}
	}
	for name, use := range map[string]func(){"Config": func() { p.Config() }, "Cluster": func() { p.Cluster() }} {
		if got := panicked(use); got != want {
			t.Errorf("%s panicked with %q, want %q", name, got, want)
		}
	}
	if starts != 1 || p.Started() {
		t.Errorf("%d starts, Started() = %v; want one attempt and no plane", starts, p.Started())
	}
	if err := p.stop(); err != nil {
		t.Errorf("stop of a plane that never started: %v", err)
	}
}

// A plane stopped before any test needed it (the tests are over, or a
// signal came) never starts.
func TestPlaneStoppedBeforeUseNeverStarts(t *testing.T) {
	starts := 0
	p := &Plane{ctx: t.Context(), setup: func(context.Context) (*localcluster.Cluster, error) {
		starts++
		return nil, errors.New("unexpected start")
	}}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	got := failure(t, func(tb testing.TB) { p.Clientset(tb) })
	if starts != 0 || !strings.Contains(got, "stopped before it started") {
		t.Errorf("%d starts, failure %q; want none and the reason", starts, got)
	}
}
