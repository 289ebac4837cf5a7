package agent

import (
	"context"

	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/analyze"
)

// Cluster is the read-only view of a cluster that the tools use: what the
// analyzers read, and kubectl-style reads rendered as redacted text. It has
// no method that writes; *kube.Reader satisfies it.
type Cluster interface {
	analyze.Source
	Get(ctx context.Context, req kube.GetRequest) (string, error)
	Describe(ctx context.Context, resource, namespace, name string) (string, error)
	Events(ctx context.Context, req kube.EventsRequest) (string, error)
	// Command runs one read-only kubectl command line.
	Command(ctx context.Context, line string) (string, error)
}

var _ Cluster = (*kube.Reader)(nil)
