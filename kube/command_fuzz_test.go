package kube

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// FuzzCommand runs any command line a model can write through the kubectl
// entry point, against a fake API server that records what reaches it (the
// real plane is never started). The parser never panics, a refusal says
// why, and whatever runs only reads: GET requests, and POST only for the
// self access reviews of auth can-i. Seeds: testdata/fuzz/FuzzCommand.
func FuzzCommand(f *testing.F) {
	api := &fakeAPI{}
	r := fakeReader(f, api)
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
			if strings.Contains(req, "/proxy") || strings.Contains(req, "/../") || strings.Contains(strings.ToLower(req), "%2f") {
				t.Fatalf("Command(%q) sent %s: a namespace or name escaped its path segment", line, req)
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
