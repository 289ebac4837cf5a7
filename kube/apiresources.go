package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// APIResources lists the resource types the cluster serves, like
// `kubectl api-resources`, CRDs included and hidden API groups left out.
func (r *Reader) APIResources(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	lists, err := r.disco.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		return "", fmt.Errorf("discover API resources: %w", err)
	}
	type row struct{ name, short, gv, namespaced, kind string }
	var rows []row
	for _, l := range lists {
		gv, perr := schema.ParseGroupVersion(l.GroupVersion)
		if perr != nil || r.resolve.hides(gv.Group) {
			continue
		}
		for _, res := range l.APIResources {
			if strings.Contains(res.Name, "/") {
				continue // subresources
			}
			rows = append(rows, row{res.Name, strings.Join(res.ShortNames, ","), l.GroupVersion, fmt.Sprint(res.Namespaced), res.Kind})
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].name != rows[j].name {
			return rows[i].name < rows[j].name
		}
		return rows[i].gv < rows[j].gv
	})
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
	fmt.Fprintln(w, "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND")
	for _, x := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", x.name, x.short, x.gv, x.namespaced, x.kind)
	}
	w.Flush()
	if err != nil {
		b.WriteString("(some API groups could not be discovered: " + err.Error() + ")\n")
	}
	return b.String(), nil
}
