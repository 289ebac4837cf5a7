package agent

import (
	"context"

	"github.com/kubertnetes/kubertnetes/kube"
)

// eventsTool lists events, newest first.
type eventsTool struct{ r *kube.Reader }

type eventsArgs struct {
	Namespace     string `json:"namespace,omitempty" description:"Namespace; omit with all_namespaces"`
	AllNamespaces bool   `json:"all_namespaces,omitempty" description:"Events of every namespace"`
	Kind          string `json:"kind,omitempty" description:"Only events about objects of this kind (Pod, Deployment…)"`
	Name          string `json:"name,omitempty" description:"Only events about the object with this name"`
	WarningsOnly  bool   `json:"warnings_only,omitempty" description:"Only Warning events"`
	Limit         int    `json:"limit,omitempty" description:"At most this many events (default 50)"`
}

func (eventsTool) Name() string { return "events" }
func (eventsTool) Description() string {
	return "List Kubernetes events newest first, optionally only warnings or only about one object. Read-only."
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
