package agent

import (
	"context"
	"strings"
)

// kubectlTool accepts a read-only kubectl command line, for everything the
// typed tools do not cover (explain, top, api-resources, auth can-i,
// rollout history) and for models that think in kubectl.
type kubectlTool struct{ r Cluster }

type kubectlArgs struct {
	Command string `json:"command" description:"e.g. kubectl explain deploy.spec.strategy; no pipes"`
}

func (kubectlTool) Name() string { return "kubectl" }
func (kubectlTool) Description() string {
	return "One read-only kubectl command: get, describe, logs, events, explain, top, api-resources, auth can-i, rollout history."
}
func (kubectlTool) NewArgs() any { return &kubectlArgs{} }
func (kubectlTool) Target(a any) string {
	return strings.TrimPrefix(strings.TrimSpace(a.(*kubectlArgs).Command), "kubectl ")
}

func (t kubectlTool) Run(ctx context.Context, a any) (Result, error) {
	out, err := t.r.Command(ctx, a.(*kubectlArgs).Command)
	return Result{Text: out}, err
}
