package analyze

import apierrors "k8s.io/apimachinery/pkg/api/errors"

// skipForbidden reports whether err refuses a cluster-scoped list during
// a namespace's analysis. An identity bound to one namespace may not read
// cluster-scoped kinds; that is no error of the analysis: the checks that
// need the list are skipped. Analyzing the whole cluster (or a namespace
// as part of it), it is an error.
func skipForbidden(src Source, err error, s Scope) bool {
	if sw, ok := src.(*sweep); ok && sw.ofCluster {
		return false
	}
	return s.Namespace != "" && apierrors.IsForbidden(err)
}
