package agent

import (
	"context"
	"strings"

	"github.com/kubertnetes/kubertnetes/kube"
)

// getTool lists objects of any kind as a table, or shows one as YAML.
type getTool struct{ r *kube.Reader }

type getArgs struct {
	Resource      string `json:"resource" description:"Resource type as kubectl accepts it: pods, deployments, services, endpoints, events, nodes, configmaps, ingresses, a CRD plural…"`
	Namespace     string `json:"namespace,omitempty" description:"Namespace; omit with all_namespaces or for cluster-scoped kinds"`
	Name          string `json:"name,omitempty" description:"One object's name: returns its full YAML (secrets redacted) instead of a table"`
	AllNamespaces bool   `json:"all_namespaces,omitempty" description:"List across all namespaces"`
	LabelSelector string `json:"label_selector,omitempty" description:"Label selector, e.g. app=web,tier!=db"`
	FieldSelector string `json:"field_selector,omitempty" description:"Field selector, e.g. status.phase!=Running"`
	Wide          bool   `json:"wide,omitempty" description:"More columns, like -o wide"`
}

func (getTool) Name() string { return "get" }
func (getTool) Description() string {
	return "Read Kubernetes objects, like `kubectl get`. Without a name: a table of objects (status, restarts, age). With a name: that object's YAML. Read-only."
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
