package agent

import (
	"context"

	"github.com/kubertnetes/kubertnetes/kube"
)

// describeTool is `kubectl describe` for one object, events included.
type describeTool struct{ r *kube.Reader }

type describeArgs struct {
	Resource  string `json:"resource" description:"Resource type: pod, deployment, service, node, pvc…"`
	Name      string `json:"name" description:"The object's exact name"`
	Namespace string `json:"namespace,omitempty" description:"Namespace (omit for cluster-scoped kinds)"`
}

func (describeTool) Name() string { return "describe" }
func (describeTool) Description() string {
	return "Describe one object exactly like `kubectl describe`: its settings, state, conditions and recent events. Read-only."
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
