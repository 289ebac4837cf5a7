package agent

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/sashabaranov/go-openai"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Code is the kind of failure behind an error, for logs and metrics.
type Code int

const (
	CodeInternal           Code = iota + 1 // not a known cause: a bug, or something new
	CodeCanceled                           // stopped by the user or a shutdown
	CodeTimeout                            // a deadline ran out
	CodeModelUnreachable                   // no connection to the model endpoint
	CodeModelAuth                          // the model endpoint refused the API key (401/403)
	CodeModelRateLimited                   // the model provider said 429
	CodeModelFailed                        // the model endpoint answered with an error or nothing usable
	CodeClusterUnreachable                 // no connection to the Kubernetes API server
	CodeClusterForbidden                   // the Kubernetes API refused the credentials or the request
)

var codeNames = map[Code]string{
	CodeInternal: "internal", CodeCanceled: "canceled", CodeTimeout: "timeout",
	CodeModelUnreachable: "model_unreachable", CodeModelAuth: "model_auth", CodeModelRateLimited: "model_rate_limited",
	CodeModelFailed: "model_failed", CodeClusterUnreachable: "cluster_unreachable", CodeClusterForbidden: "cluster_forbidden",
}

func (c Code) String() string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// UserError is a failure as a user may see it: a short sentence saying
// what to do, and a reference. Its cause, with the URLs, addresses and
// provider messages a user should not see, goes to the log under the same
// reference, so that an admin finds it from what the user quotes.
type UserError struct {
	Code    Code
	Message string // user-safe: nothing from the cause
	Ref     string // correlation id, logged with the cause
	Err     error  // the cause: for the log only
}

// Error is what the user sees: the message and the reference.
func (e *UserError) Error() string {
	return fmt.Sprintf("%s (ref %s).", strings.TrimSuffix(e.Message, "."), e.Ref)
}

// Unwrap returns the cause, so errors.Is still sees context.Canceled.
func (e *UserError) Unwrap() error { return e.Err }

// Explain turns an investigation's error into what a user may be told, with
// a fresh reference; an error that is already a *UserError is returned as
// is. Log the cause with the reference wherever the result is shown:
//
//	ue := agent.Explain(err)
//	log.Warn("investigation failed", zap.String("ref", ue.Ref), zap.Stringer("code", ue.Code), zap.Error(ue.Err))
//	reply(ue.Error()) // "I could not reach the model endpoint… (ref K3J7QX)."
func Explain(err error) *UserError {
	if ue, ok := errors.AsType[*UserError](err); ok {
		return ue
	}
	code, msg := explain(err)
	return &UserError{Code: code, Message: msg, Ref: newRef(), Err: err}
}

// explain maps the causes a user can act on, or wait out, to a sentence.
func explain(err error) (Code, string) {
	_, fromModel := errors.AsType[*modelError](err)
	switch {
	case errors.Is(err, context.Canceled):
		return CodeCanceled, "The investigation was stopped before it finished."
	case errors.Is(err, context.DeadlineExceeded):
		return CodeTimeout, "The investigation ran out of time. Ask a narrower question, or try again in a moment."
	case fromModel:
		return explainModel(err)
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err):
		return CodeClusterForbidden, "The Kubernetes API refused kubertnetes' request. An admin should check its credentials and RBAC permissions."
	case unreachable(err), apierrors.IsServiceUnavailable(err), apierrors.IsServerTimeout(err):
		return CodeClusterUnreachable, "I could not reach the Kubernetes API server. Check that the cluster is up and reachable from kubertnetes, then ask again."
	}
	return CodeInternal, "Something went wrong; the details are in the log."
}

func explainModel(err error) (Code, string) {
	status := 0
	if e, ok := errors.AsType[*openai.APIError](err); ok {
		status = e.HTTPStatusCode
	} else if e, ok := errors.AsType[*openai.RequestError](err); ok {
		status = e.HTTPStatusCode
	}
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return CodeModelAuth, "The model endpoint refused kubertnetes' API key. An admin should check OPENAI_API_KEY."
	case status == http.StatusTooManyRequests:
		return CodeModelRateLimited, "The model provider is rate limiting kubertnetes, or its quota is used up. Try again in a few minutes."
	case status == 0 && unreachable(err):
		return CodeModelUnreachable, "I could not reach the model endpoint. An admin should check OPENAI_BASE_URL and the network; try again later."
	}
	return CodeModelFailed, "The model endpoint did not give a usable answer. Try again in a moment."
}

// unreachable reports a failure to connect or talk to a server at all
// (refused, DNS, TLS, reset); *url.Error is one.
func unreachable(err error) bool {
	_, ok := errors.AsType[net.Error](err)
	return ok
}

// modelError is a failed call to the model, so that Explain can tell an
// unreachable model endpoint from an unreachable cluster.
type modelError struct {
	model string
	err   error
}

func (e *modelError) Error() string { return fmt.Sprintf("model %s: %v", e.model, e.err) }
func (e *modelError) Unwrap() error { return e.err }

var refEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newRef returns a short random reference such as "K3J7QX".
func newRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return refEncoding.EncodeToString(b[:])[:6]
}
