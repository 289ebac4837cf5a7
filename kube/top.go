package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"k8s.io/apimachinery/pkg/api/resource"
)

// ErrNoMetrics means the cluster serves no resource metrics.
const noMetrics = "metrics-server is not installed (the metrics.k8s.io API is not served), so CPU and memory use are unknown; requests and limits are in the pod specs"

type metricsList struct {
	Items []struct {
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Usage      map[string]resource.Quantity `json:"usage"`
		Containers []struct {
			Name  string                       `json:"name"`
			Usage map[string]resource.Quantity `json:"usage"`
		} `json:"containers"`
	} `json:"items"`
}

// Top shows CPU and memory use of pods (in a namespace, or all) or nodes,
// like `kubectl top`, from metrics.k8s.io when the cluster serves it.
func (r *Reader) Top(ctx context.Context, what, namespace string) (string, error) {
	if err := validNamespace(namespace); err != nil {
		return "", err
	}
	what = strings.ToLower(what)
	switch what {
	case "pod", "pods", "po":
		what = "pods"
	case "node", "nodes", "no":
		what = "nodes"
	default:
		return "", fmt.Errorf("top shows pods or nodes, not %q", what)
	}
	groups, err := r.disco.ServerGroups()
	if err != nil {
		return "", fmt.Errorf("discover API groups: %w", err)
	}
	served := false
	for _, g := range groups.Groups {
		if g.Name == "metrics.k8s.io" {
			served = true
		}
	}
	if !served {
		return noMetrics, nil
	}
	path := "/apis/metrics.k8s.io/v1beta1/" + what
	if what == "pods" && namespace != "" {
		path = "/apis/metrics.k8s.io/v1beta1/namespaces/" + namespace + "/pods"
	}
	raw, err := r.core.Discovery().RESTClient().Get().AbsPath(path).Do(ctx).Raw()
	if err != nil {
		return "", ReadError(err, "metrics "+what, namespace, "")
	}
	var ml metricsList
	if err := json.Unmarshal(raw, &ml); err != nil {
		return "", fmt.Errorf("decode metrics: %w", err)
	}
	if len(ml.Items) == 0 {
		return "No metrics yet (metrics-server reports after about a minute).", nil
	}
	sort.Slice(ml.Items, func(i, j int) bool {
		a, b := ml.Items[i].Metadata, ml.Items[j].Metadata
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
	withNS := what == "pods" && namespace == ""
	if withNS {
		fmt.Fprint(w, "NAMESPACE\t")
	}
	fmt.Fprintln(w, "NAME\tCPU(cores)\tMEMORY(bytes)")
	for _, it := range ml.Items {
		cpu, mem := it.Usage["cpu"], it.Usage["memory"]
		for _, c := range it.Containers { // pods report per container
			q := c.Usage["cpu"]
			cpu.Add(q)
			m := c.Usage["memory"]
			mem.Add(m)
		}
		if withNS {
			fmt.Fprintf(w, "%s\t", it.Metadata.Namespace)
		}
		fmt.Fprintf(w, "%s\t%dm\t%dMi\n", it.Metadata.Name, cpu.MilliValue(), mem.Value()/(1<<20))
	}
	w.Flush()
	return b.String(), nil
}
