package agent

import (
	"context"

	"github.com/kubertnetes/kubertnetes/kube"
)

// eventsTool lists events, newest first.
type eventsTool struct{ r Cluster }

type eventsArgs struct {
	Namespace     string `json:"namespace,omitempty"`
	AllNamespaces bool   `json:"all_namespaces,omitempty"`
	Kind          string `json:"kind,omitempty" description:"only about this kind"`
	Name          string `json:"name,omitempty" description:"only about this object"`
	WarningsOnly  bool   `json:"warnings_only,omitempty"`
	Limit         int    `json:"limit,omitempty"`
}

func (eventsTool) Name() string { return "events" }
func (eventsTool) Description() string {
	return "Events, newest first."
}
func (eventsTool) NewArgs() any { return &eventsArgs{} }
func (eventsTool) Target(a any) string {
	e := a.(*eventsArgs)
	return objectTarget("events", e.Namespace, e.Name)
}

func (t eventsTool) Run(ctx context.Context, a any) (Result, error) {
	e := a.(*eventsArgs)
	out, err := t.r.Events(ctx, kube.EventsRequest{
		Namespace: e.Namespace, AllNamespaces: e.AllNamespaces, Kind: e.Kind, Name: e.Name,
		WarningsOnly: e.WarningsOnly, Limit: e.Limit,
	})
	return Result{Text: out}, err
}
