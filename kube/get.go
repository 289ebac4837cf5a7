package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// GetRequest asks for one object (Name set) or a list.
type GetRequest struct {
	Resource      string
	Namespace     string
	Name          string
	AllNamespaces bool
	LabelSelector string
	FieldSelector string
	Wide          bool
}

const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

// Get returns a list as a kubectl-style table (the server-side Table
// format, printed by kubectl's own printer), or one object as redacted YAML.
func (r *Reader) Get(ctx context.Context, req GetRequest) (string, error) {
	if err := validRef(req.Namespace, req.Name); err != nil {
		return "", err
	}
	m, err := r.mapping(req.Resource)
	if err != nil {
		return "", err
	}
	namespaced := m.Scope.Name() == "namespace"
	ns := req.Namespace
	if !namespaced || req.AllNamespaces {
		ns = ""
	}
	if req.Name != "" {
		if namespaced && ns == "" {
			return "", fmt.Errorf("%s is namespaced: give a namespace to get %q", m.Resource.Resource, req.Name)
		}
		u, err := r.dyn.Resource(m.Resource).Namespace(ns).Get(ctx, req.Name, metav1.GetOptions{})
		if err != nil {
			return "", ReadError(err, m.Resource.Resource, ns, req.Name)
		}
		return r.objectYAML(u)
	}
	table, err := r.table(ctx, m.Resource, ns, req)
	if err != nil {
		return "", ReadError(err, m.Resource.Resource, ns, "")
	}
	if len(table.Rows) == 0 {
		if ns == "" {
			return fmt.Sprintf("No %s found.", m.Resource.Resource), nil
		}
		return fmt.Sprintf("No %s found in %s namespace.", m.Resource.Resource, ns), nil
	}
	// Redact every cell before the printer cuts a long or multi-line one
	// down to its first line, which would hide what makes it a secret.
	for i := range table.Rows {
		for j, c := range table.Rows[i].Cells {
			if str, ok := c.(string); ok {
				table.Rows[i].Cells[j] = r.redact.Text(str)
			}
		}
	}
	var buf bytes.Buffer
	p := printers.NewTablePrinter(printers.PrintOptions{WithNamespace: ns == "" && namespaced, Wide: req.Wide})
	if err := p.PrintObj(table, &buf); err != nil {
		return "", fmt.Errorf("print %s: %w", m.Resource.Resource, err)
	}
	return r.redact.Text(buf.String()), nil
}

func (r *Reader) table(ctx context.Context, gvr schema.GroupVersionResource, ns string, req GetRequest) (*metav1.Table, error) {
	client, err := r.restClient(gvr.GroupVersion())
	if err != nil {
		return nil, err
	}
	rq := client.Get().Resource(gvr.Resource).SetHeader("Accept", tableAccept)
	if ns != "" {
		rq = rq.Namespace(ns)
	}
	if req.LabelSelector != "" {
		rq = rq.Param("labelSelector", req.LabelSelector)
	}
	if req.FieldSelector != "" {
		rq = rq.Param("fieldSelector", req.FieldSelector)
	}
	raw, err := rq.Param("limit", "500").Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	var t metav1.Table
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("decode table: %w", err)
	}
	if t.Kind != "Table" {
		return nil, fmt.Errorf("the server did not return a table for %s", gvr.Resource)
	}
	for i := range t.Rows {
		// Rows carry partial object metadata so the printer can show the
		// namespace; decode it, since the printer needs typed objects.
		if len(t.Rows[i].Object.Raw) > 0 {
			var pm metav1.PartialObjectMetadata
			if err := json.Unmarshal(t.Rows[i].Object.Raw, &pm); err == nil {
				t.Rows[i].Object.Object = &pm
			}
		}
	}
	return &t, nil
}

func (r *Reader) restClient(gv schema.GroupVersion) (*rest.RESTClient, error) {
	cfg := rest.CopyConfig(r.cfg)
	cfg.GroupVersion = &gv
	cfg.APIPath = "/apis"
	if gv.Group == "" {
		cfg.APIPath = "/api"
	}
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	c, err := rest.RESTClientForConfigAndClient(cfg, r.http)
	if err != nil {
		return nil, fmt.Errorf("rest client for %s: %w", gv, err)
	}
	return c, nil
}

// objectYAML renders one object as redacted YAML without managedFields:
// the object is redacted field by field, then the rendered text once more,
// as describe's is, so the two agree.
func (r *Reader) objectYAML(u *unstructured.Unstructured) (string, error) {
	r.redact.Object(u)
	out, err := yaml.Marshal(u.Object)
	if err != nil {
		return "", fmt.Errorf("render %s/%s: %w", strings.ToLower(u.GetKind()), u.GetName(), err)
	}
	return r.redact.Text(string(out)), nil
}
