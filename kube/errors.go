package kube

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// describeErr turns API errors into sentences a model or a person can act
// on; "forbidden" and "not found" are answers, not crashes.
func describeErr(err error, resource, ns, name string) error {
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
		return fmt.Errorf("not found: %s%s does not exist", what, where)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("forbidden: kubertnetes' identity may not read %s%s (RBAC): %s", what, where, apierrors.ReasonForError(err))
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("unauthorized: the cluster rejected kubertnetes' credentials")
	default:
		return fmt.Errorf("read %s%s: %w", what, where, err)
	}
}
