package kube

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// ReadError turns an API error from reading resource (name in ns; either
// may be "") into a sentence a model or a person can act on: "forbidden"
// and "not found" are answers, not crashes. The API error stays in the
// chain (apierrors.IsNotFound, IsForbidden … still see it).
func ReadError(err error, resource, ns, name string) error {
	what := resource
	if name != "" {
		what = resource + " " + fmt.Sprintf("%q", name)
	}
	where := ""
	if ns != "" {
		where = fmt.Sprintf(" in namespace %q", ns)
	}
	switch {
	case apierrors.IsNotFound(err):
		return &readError{fmt.Sprintf("not found: %s%s does not exist", what, where), err}
	case apierrors.IsForbidden(err):
		return &readError{fmt.Sprintf("forbidden: kubertnetes' identity may not read %s%s (RBAC): %s", what, where, apierrors.ReasonForError(err)), err}
	case apierrors.IsUnauthorized(err):
		return &readError{"unauthorized: the cluster rejected kubertnetes' credentials", err}
	default:
		return fmt.Errorf("read %s%s: %w", what, where, err)
	}
}

// readError is a sentence for people that keeps the API error it words.
type readError struct {
	msg string
	err error
}

func (e *readError) Error() string { return e.msg }
func (e *readError) Unwrap() error { return e.err }
