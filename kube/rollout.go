package kube

import (
	"context"
	"fmt"

	"k8s.io/kubectl/pkg/polymorphichelpers"
)

// RolloutHistory lists a Deployment's, StatefulSet's or DaemonSet's
// revisions with their change causes, or one revision's pod template, with
// kubectl's own history viewer.
func (r *Reader) RolloutHistory(ctx context.Context, resource, namespace, name string, revision int64) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m, err := r.mapping(resource)
	if err != nil {
		return "", err
	}
	viewer, err := polymorphichelpers.HistoryViewerFor(m.GroupVersionKind.GroupKind(), r.core)
	if err != nil {
		return "", fmt.Errorf("rollout history: %s has no revisions (only deployments, statefulsets and daemonsets do)", m.GroupVersionKind.Kind)
	}
	out, err := viewer.ViewHistory(namespace, name, revision)
	if err != nil {
		return "", ReadError(err, m.Resource.Resource, namespace, name)
	}
	return r.redact.Text(out), nil
}
