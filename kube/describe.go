package kube

import (
	"context"
	"fmt"

	"k8s.io/kubectl/pkg/describe"
)

// Describe returns the exact text of `kubectl describe`, redacted.
func (r *Reader) Describe(ctx context.Context, resource, namespace, name string) (string, error) {
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
	d, ok := describe.DescriberFor(m.GroupVersionKind.GroupKind(), r.cfg)
	if !ok {
		d, ok = describe.GenericDescriberFor(m, r.cfg)
		if !ok {
			return "", fmt.Errorf("no describer for %s", m.GroupVersionKind.Kind)
		}
	}
	// kubectl's describers take no context; a cancelled ctx is still honoured
	// by checking it before the (bounded, single-object) calls.
	if err := ctx.Err(); err != nil {
		return "", err
	}
	out, err := d.Describe(ns, name, describe.DescriberSettings{ShowEvents: true, ChunkSize: 500})
	if err != nil {
		return "", ReadError(err, m.Resource.Resource, ns, name)
	}
	return r.redact.Text(out), nil
}
