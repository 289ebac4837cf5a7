package kube

import (
	"context"
	"fmt"

	"k8s.io/kubectl/pkg/describe"
)

// Describe returns the exact text of `kubectl describe`, redacted.
func (r *Reader) Describe(ctx context.Context, resource, namespace, name string) (string, error) {
	if err := validRef(namespace, name); err != nil {
		return "", err
	}
	m, err := r.mapping(resource)
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", fmt.Errorf("describe needs the name of one %s", m.Resource.Resource)
	}
	ns := namespace
	if m.Scope.Name() != "namespace" {
		ns = ""
	}
	// kubectl's describers take no context: their clients are built from a
	// config whose requests run under ctx (and the config's timeout).
	cfg := boundTo(ctx, r.cfg)
	d, ok := describe.DescriberFor(m.GroupVersionKind.GroupKind(), cfg)
	if !ok {
		d, ok = describe.GenericDescriberFor(m, cfg)
		if !ok {
			return "", fmt.Errorf("no describer for %s", m.GroupVersionKind.Kind)
		}
	}
	out, err := d.Describe(ns, name, describe.DescriberSettings{ShowEvents: true, ChunkSize: 500})
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("describe %s %q: %w", m.Resource.Resource, name, context.Cause(ctx))
		}
		return "", ReadError(err, m.Resource.Resource, ns, name)
	}
	return r.redact.Text(out), nil
}
