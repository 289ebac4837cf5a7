package agent

import (
	"context"

	"github.com/kubertnetes/kubertnetes/kube"
)

// logsTool reads container logs.
type logsTool struct{ r *kube.Reader }

type logsArgs struct {
	Namespace    string `json:"namespace" description:"The pod's namespace"`
	Pod          string `json:"pod" description:"Pod name, or deployment/NAME (also statefulset/, daemonset/, job/) to pick one of its pods"`
	Container    string `json:"container,omitempty" description:"Container name; defaults to the first"`
	Previous     bool   `json:"previous,omitempty" description:"Logs of the previous (crashed) run of the container"`
	Tail         int64  `json:"tail,omitempty" description:"Only the last N lines"`
	SinceSeconds int64  `json:"since_seconds,omitempty" description:"Only lines newer than this many seconds"`
	Grep         string `json:"grep,omitempty" description:"Keep only lines matching this case-insensitive regular expression"`
}

func (logsTool) Name() string { return "logs" }
func (logsTool) Description() string {
	return "Read a container's logs, like `kubectl logs`. For a crash-looping container use previous=true to see why it exited. Output is capped; narrow with tail, since_seconds or grep. Read-only."
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
