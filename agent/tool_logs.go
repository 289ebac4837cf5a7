package agent

import (
	"context"

	"github.com/kubertnetes/kubertnetes/kube"
)

// logsTool reads container logs.
type logsTool struct{ r Cluster }

type logsArgs struct {
	Namespace    string `json:"namespace"`
	Pod          string `json:"pod" description:"pod name or deployment/NAME"`
	Container    string `json:"container,omitempty"`
	Previous     bool   `json:"previous,omitempty" description:"the crashed previous run"`
	Tail         int64  `json:"tail,omitempty"`
	SinceSeconds int64  `json:"since_seconds,omitempty"`
	Grep         string `json:"grep,omitempty" description:"case-insensitive regexp filter"`
}

func (logsTool) Name() string { return "logs" }
func (logsTool) Description() string {
	return "kubectl logs. For a crash loop use previous=true to see why it exited."
}
func (logsTool) NewArgs() any { return &logsArgs{} }
func (logsTool) Target(a any) string {
	l := a.(*logsArgs)
	t := objectTarget("logs", l.Namespace, l.Pod)
	if l.Previous {
		t += " --previous"
	}
	return t
}

func (t logsTool) Run(ctx context.Context, a any) (Result, error) {
	l := a.(*logsArgs)
	out, err := t.r.Logs(ctx, kube.LogsRequest{
		Namespace: l.Namespace, Pod: l.Pod, Container: l.Container, Previous: l.Previous,
		Tail: l.Tail, SinceSeconds: l.SinceSeconds, Grep: l.Grep,
	})
	return Result{Text: out}, err
}
