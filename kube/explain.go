package kube

import (
	"bytes"
	"context"
	"fmt"

	"k8s.io/client-go/openapi/cached"
	"k8s.io/kubectl/pkg/explain"
	explainv2 "k8s.io/kubectl/pkg/explain/v2"
)

// Explain documents a resource or one of its fields ("deployment.spec.strategy")
// from the cluster's own OpenAPI v3 schema, exactly like `kubectl explain`.
func (r *Reader) Explain(ctx context.Context, path string, recursive bool) (string, error) {
	if path == "" {
		return "", fmt.Errorf("explain needs a resource or field path, e.g. pod.spec.containers.livenessProbe")
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	gvr, fields, err := explain.SplitAndParseResourceRequestWithMatchingPrefix(path, r.resolve.expander)
	if err != nil {
		return "", fmt.Errorf("explain %q: %w", path, err)
	}
	if r.resolve.hides(gvr.Group) {
		return "", fmt.Errorf("the server doesn't have a resource type %q", path)
	}
	var buf bytes.Buffer
	client := cached.NewClient(r.disco.OpenAPIV3())
	if err := explainv2.PrintModelDescription(fields, &buf, client, gvr, recursive, 0, "plaintext"); err != nil {
		return "", fmt.Errorf("explain %q: %w", path, err)
	}
	return buf.String(), nil
}
