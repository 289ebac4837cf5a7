package kube

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// Describe, rollout history and the server version take the caller's
// context even though kubectl's describers and viewers do not: a stalled
// API server ends them when the investigation's deadline does.
func TestStalledServerEndsWithTheContext(t *testing.T) {
	r := fakeReader(t, &fakeAPI{stall: true})
	tests := []struct {
		name string
		call func(ctx context.Context) (string, error)
	}{
		{"describe", func(ctx context.Context) (string, error) { return r.Describe(ctx, "pods", "shop", "web-1") }},
		{"rollout history", func(ctx context.Context) (string, error) {
			return r.RolloutHistory(ctx, "deployments", "shop", "web", 0)
		}},
		{"version", func(ctx context.Context) (string, error) { return r.Command(ctx, "kubectl version") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := tt.call(ctx)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %v, want the context's deadline", err)
				}
			case <-time.After(time.Minute):
				t.Fatal("still waiting for the stalled server a minute after the context's deadline")
			}
		})
	}
}

// A config without a timeout gets ClientTimeout: no request can wait for
// ever, whoever calls it with whatever context.
func TestReaderRequestsHaveATimeout(t *testing.T) {
	r, err := NewReader(&rest.Config{Host: "https://cluster.example"}, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.http.Timeout != ClientTimeout {
		t.Errorf("the Reader's HTTP client timeout = %s, want %s", r.http.Timeout, ClientTimeout)
	}
}

// A namespace or name from a model never reaches a request path unless it
// is one the API server could hold.
func TestInvalidNamesNeverReachTheServer(t *testing.T) {
	api := &fakeAPI{}
	r := fakeReader(t, api)
	long := strings.Repeat("a", 300)
	tests := []struct {
		name string
		call func(ctx context.Context) (string, error)
		want string
	}{
		{"top into the service proxy", func(ctx context.Context) (string, error) {
			return r.Command(ctx, "kubectl top pods -n ../../api/v1/secrets")
		}, `namespace "../../api/v1/secrets" is not a valid namespace name`},
		{"top of an escaped slash", func(ctx context.Context) (string, error) { return r.Top(ctx, "pods", "a%2fb") }, "not a valid namespace name"},
		{"get with a slash", func(ctx context.Context) (string, error) { return r.Command(ctx, "kubectl get pod a/b -n shop") }, "not a valid object name"},
		{"get dot dot", func(ctx context.Context) (string, error) { return r.Command(ctx, "kubectl get pod .. -n shop") }, "not a valid object name"},
		{"describe an escaped slash", func(ctx context.Context) (string, error) { return r.Describe(ctx, "pods", "shop", "a%2f..%2fb") }, "not a valid object name"},
		{"describe a NUL", func(ctx context.Context) (string, error) { return r.Describe(ctx, "pods", "shop", "web\x00x") }, "not a valid object name"},
		{"describe 300 characters", func(ctx context.Context) (string, error) { return r.Describe(ctx, "pods", "shop", long) }, "no more than 253 characters"},
		{"describe in a bad namespace", func(ctx context.Context) (string, error) { return r.Describe(ctx, "pods", "../kube-system", "web") }, "not a valid namespace name"},
		{"logs of a path", func(ctx context.Context) (string, error) {
			return r.Logs(ctx, LogsRequest{Namespace: "shop", Pod: "pod/../../secrets"})
		}, "not a valid object name"},
		{"logs in a long namespace", func(ctx context.Context) (string, error) {
			return r.Logs(ctx, LogsRequest{Namespace: long, Pod: "web"})
		}, "not a valid namespace name"},
		{"events for a path", func(ctx context.Context) (string, error) {
			return r.Command(ctx, "kubectl events -n shop --for pod/a/../b")
		}, "not a valid object name"},
		{"rollout history of a NUL", func(ctx context.Context) (string, error) {
			return r.RolloutHistory(ctx, "deployments", "shop\x00", "web", 0)
		}, "not a valid namespace name"},
		{"get tool with a NUL", func(ctx context.Context) (string, error) {
			return r.Get(ctx, GetRequest{Resource: "pods", Namespace: "shop", Name: "web\x00x"})
		}, "not a valid object name"},
		{"get tool with a long name", func(ctx context.Context) (string, error) {
			return r.Get(ctx, GetRequest{Resource: "pods", Namespace: "shop", Name: long})
		}, "no more than 253 characters"},
		{"get tool in a path namespace", func(ctx context.Context) (string, error) {
			return r.Get(ctx, GetRequest{Resource: "pods", Namespace: "../../api"})
		}, "not a valid namespace name"},
		{"can-i in a path", func(ctx context.Context) (string, error) { return r.CanI(ctx, "get", "pods", "a/b") }, "not a valid namespace name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.call(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if got := api.requests(); len(got) > 0 {
		t.Errorf("requests reached the server: %q", got)
	}
}

// Names the API server holds pass, RBAC's colons included.
func TestValidNames(t *testing.T) {
	for _, name := range []string{"", "web-1", "web.shop.example", "system:controller:job-controller", "Admin_Role"} {
		if err := validName(name); err != nil {
			t.Errorf("validName(%q) = %v, want nil", name, err)
		}
	}
	for _, ns := range []string{"", "shop", "kube-system"} {
		if err := validNamespace(ns); err != nil {
			t.Errorf("validNamespace(%q) = %v, want nil", ns, err)
		}
	}
}
