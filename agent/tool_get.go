package agent

import (
	"context"
	"strings"

	"github.com/kubertnetes/kubertnetes/kube"
)

// getTool lists objects of any kind as a table, or shows one as YAML.
type getTool struct{ r Cluster }

type getArgs struct {
	Resource      string `json:"resource" description:"pods, deploy, svc, nodes, a CRD…"`
	Namespace     string `json:"namespace,omitempty"`
	Name          string `json:"name,omitempty" description:"one object: YAML instead of a table"`
	AllNamespaces bool   `json:"all_namespaces,omitempty"`
	LabelSelector string `json:"label_selector,omitempty"`
	FieldSelector string `json:"field_selector,omitempty"`
	Wide          bool   `json:"wide,omitempty"`
}

func (getTool) Name() string { return "get" }
func (getTool) Description() string {
	return "kubectl get: a table of objects, or one object's YAML."
}
func (getTool) NewArgs() any { return &getArgs{} }
func (getTool) Target(a any) string {
	g := a.(*getArgs)
	return objectTarget(g.Resource, g.Namespace, g.Name)
}

func (t getTool) Run(ctx context.Context, a any) (Result, error) {
	g := a.(*getArgs)
	out, err := t.r.Get(ctx, kube.GetRequest{
		Resource: g.Resource, Namespace: g.Namespace, Name: g.Name, AllNamespaces: g.AllNamespaces,
		LabelSelector: g.LabelSelector, FieldSelector: g.FieldSelector, Wide: g.Wide,
	})
	return Result{Text: out}, err
}

// objectTarget renders "kind/name -n ns" for progress lines.
func objectTarget(kind, ns, name string) string {
	var b strings.Builder
	b.WriteString(kind)
	if name != "" {
		b.WriteString("/" + name)
	}
	if ns != "" {
		b.WriteString(" -n " + ns)
	}
	return b.String()
}
