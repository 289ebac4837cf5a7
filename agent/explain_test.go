package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// These tests need no cluster: the network errors come from real clients
// dialling a port nobody listens on.

// closedURL is an address that refuses connections.
func closedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

// modelCall is the error of a real go-openai call to baseURL, as the loop
// returns it.
func modelCall(t *testing.T, baseURL string) error {
	t.Helper()
	cfg := openai.DefaultConfig("sk-secret-key")
	cfg.BaseURL = baseURL + "/v1"
	_, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: "m"})
	if err == nil {
		t.Fatal("the model call succeeded")
	}
	return &modelError{model: "m", err: fmt.Errorf("the model did not answer after 1 attempt(s): %w", err)}
}

// answering is a model endpoint that answers every call with status and an
// OpenAI-style error body.
func answering(t *testing.T, status int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided: sk-secr***key","type":"invalid_request_error","code":"invalid_api_key"}}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestExplainTellsUsersWhatToDoAndHidesTheCause(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	_, clusterErr := kubernetes.NewForConfigOrDie(&rest.Config{Host: closedURL(t)}).CoreV1().Pods("shop").List(context.Background(), metav1.ListOptions{})
	if clusterErr == nil {
		t.Fatal("listing pods on a closed port succeeded")
	}
	tests := []struct {
		name string
		err  error
		code Code
		says string // part of the message
	}{
		{"stopped", fmt.Errorf("model m: %w", context.Canceled), CodeCanceled, "stopped"},
		{"deadline", fmt.Errorf("list pods in %q: %w", "shop", context.DeadlineExceeded), CodeTimeout, "ran out of time"},
		{"model endpoint down", modelCall(t, closedURL(t)), CodeModelUnreachable, "OPENAI_BASE_URL"},
		{"wrong API key", modelCall(t, answering(t, http.StatusUnauthorized)), CodeModelAuth, "OPENAI_API_KEY"},
		{"key without access", &modelError{model: "m", err: &openai.APIError{HTTPStatusCode: http.StatusForbidden, Message: "no access"}}, CodeModelAuth, "OPENAI_API_KEY"},
		{"rate limited", modelCall(t, answering(t, http.StatusTooManyRequests)), CodeModelRateLimited, "Try again in a few minutes"},
		{"rate limited, no JSON body", &modelError{model: "m", err: &openai.RequestError{HTTPStatusCode: http.StatusTooManyRequests, Err: errors.New("html")}}, CodeModelRateLimited, "rate limiting"},
		{"model server error", modelCall(t, answering(t, http.StatusInternalServerError)), CodeModelFailed, "usable answer"},
		{"model answered nothing", &modelError{model: "m", err: errors.New("the model returned no choices")}, CodeModelFailed, "usable answer"},
		{"cluster down", fmt.Errorf("analyze all namespaces: %w", clusterErr), CodeClusterUnreachable, "Kubernetes API server"},
		{"cluster busy", apierrors.NewServiceUnavailable("etcd leader change"), CodeClusterUnreachable, "Kubernetes API server"},
		{"forbidden", fmt.Errorf("analyze -n shop: %w", apierrors.NewForbidden(pods, "", errors.New("user cannot list pods"))), CodeClusterForbidden, "RBAC"},
		{"credentials expired", apierrors.NewUnauthorized("token expired"), CodeClusterForbidden, "credentials"},
		{"anything else", errors.New("runbook index out of range at 0xc000123"), CodeInternal, "Something went wrong; the details are in the log"},
	}
	ref := regexp.MustCompile(` \(ref [A-Z2-7]{6}\)\.$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ue := Explain(tt.err)
			if ue.Code != tt.code {
				t.Errorf("code = %v, want %v (for %v)", ue.Code, tt.code, tt.err)
			}
			shown := ue.Error()
			if !strings.Contains(shown, tt.says) || !ref.MatchString(shown) {
				t.Errorf("the user sees %q, want it to say %q and end with its reference", shown, tt.says)
			}
			if cause := tt.err.Error(); strings.Contains(shown, cause) || strings.Contains(shown, "sk-") || strings.Contains(shown, "127.0.0.1") {
				t.Errorf("the user sees %q, which leaks the cause %q", shown, cause)
			}
			if !errors.Is(ue, tt.err) {
				t.Errorf("the UserError does not wrap its cause")
			}
		})
	}
}

func TestExplainKeepsOneReferencePerError(t *testing.T) {
	err := errors.New("boom")
	first, second := Explain(err), Explain(err)
	if first.Ref == second.Ref {
		t.Errorf("two explanations share the reference %s; each failure needs its own", first.Ref)
	}
	wrapped := fmt.Errorf("ask: %w", first)
	if again := Explain(wrapped); again != first {
		t.Errorf("explaining an explained error gave ref %s, want the same error with ref %s", again.Ref, first.Ref)
	}
	if got := Explain(fmt.Errorf("x: %w", context.Canceled)); !errors.Is(got, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) = false; callers check for cancellation after explaining", got)
	}
}
