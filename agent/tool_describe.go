package agent

import (
	"context"
)

// describeTool is `kubectl describe` for one object, events included.
type describeTool struct{ r Cluster }

type describeArgs struct {
	Resource  string `json:"resource"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

func (describeTool) Name() string { return "describe" }
func (describeTool) Description() string {
	return "kubectl describe: one object's settings, state, conditions and events."
}
func (describeTool) NewArgs() any { return &describeArgs{} }
func (describeTool) Target(a any) string {
	d := a.(*describeArgs)
	return objectTarget(d.Resource, d.Namespace, d.Name)
}

func (t describeTool) Run(ctx context.Context, a any) (Result, error) {
	d := a.(*describeArgs)
	out, err := t.r.Describe(ctx, d.Resource, d.Namespace, d.Name)
	return Result{Text: out}, err
}
