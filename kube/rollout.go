package kube

import (
	"context"
	"fmt"
	"net/http"

	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/polymorphichelpers"
)

// RolloutHistory lists a Deployment's, StatefulSet's or DaemonSet's
// revisions with their change causes, or one revision's pod template, with
// kubectl's own history viewer.
func (r *Reader) RolloutHistory(ctx context.Context, resource, namespace, name string, revision int64) (string, error) {
	if err := validRef(namespace, name); err != nil {
		return "", err
	}
	m, err := r.mapping(resource)
	if err != nil {
		return "", err
	}
	// The history viewer takes no context: its clientset sends every
	// request under ctx (and the Reader's request timeout).
	core, err := kubernetes.NewForConfigAndClient(r.cfg, &http.Client{Transport: ctxTransport{ctx: ctx, next: r.http.Transport}, Timeout: r.http.Timeout})
	if err != nil {
		return "", fmt.Errorf("rollout history: %w", err)
	}
	viewer, err := polymorphichelpers.HistoryViewerFor(m.GroupVersionKind.GroupKind(), core)
	if err != nil {
		return "", fmt.Errorf("rollout history: %s has no revisions (only deployments, statefulsets and daemonsets do)", m.GroupVersionKind.Kind)
	}
	out, err := viewer.ViewHistory(namespace, name, revision)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("rollout history of %s %q: %w", m.Resource.Resource, name, context.Cause(ctx))
		}
		return "", ReadError(err, m.Resource.Resource, namespace, name)
	}
	return r.redact.Text(out), nil
}
