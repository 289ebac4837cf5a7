package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kubertnetes/kubertnetes/kube"
	analyzers "github.com/kubertnetes/kubertnetes/kube/analyze"
)

// analyze runs the analyzers only: no model, nothing written.
func analyze(ctx context.Context, cfg Config, args []string, std stdio) error {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	fs.SetOutput(std.err)
	ns := fs.String("n", "", "namespace to analyze")
	all := fs.Bool("A", false, "analyze all namespaces")
	out := fs.String("o", "text", "output: text or json")
	if err := fs.Parse(args); err != nil {
		return usageErrorf("analyze: %v", err)
	}
	if *out != "text" && *out != "json" {
		return usageErrorf("analyze: -o must be text or json, not %q", *out)
	}
	if *all && *ns != "" {
		return usageErrorf("analyze: use -n NAMESPACE or -A, not both")
	}
	cl, err := loadCluster(cfg)
	if err != nil {
		return err
	}
	r, err := kube.NewReader(cl.config, readerOptions())
	if err != nil {
		return err
	}
	if err := r.Ping(ctx); err != nil {
		return err
	}
	scope := analyzers.Scope{Namespace: *ns}
	if !*all && *ns == "" {
		scope.Namespace = "default"
	}
	findings, aerr := analyzers.Run(ctx, r, scope)
	if *out == "json" {
		if err := writeFindingsJSON(std.out, findings); err != nil {
			return err
		}
	} else {
		writeFindingsText(terminalSafe(std.out), findings, scope)
	}
	return aerr
}

// findingJSON is the documented JSON shape of one finding.
type findingJSON struct {
	Kind      string   `json:"kind"`
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Severity  string   `json:"severity"`
	Reason    string   `json:"reason"`
	Message   string   `json:"message"`
	Evidence  []string `json:"evidence"`
	Docs      string   `json:"docs"`
	Fix       string   `json:"fix"`
	Owner     string   `json:"owner,omitempty"`
}

func writeFindingsJSON(w io.Writer, fs []kube.Finding) error {
	out := make([]findingJSON, 0, len(fs))
	for _, f := range fs {
		j := findingJSON{Kind: f.Object.Kind, Namespace: f.Object.Namespace, Name: f.Object.Name, Severity: f.Severity.String(),
			Reason: f.Reason, Message: f.Message, Evidence: f.Evidence, Docs: f.Docs, Fix: f.Fix}
		if j.Evidence == nil {
			j.Evidence = []string{}
		}
		if f.Owner != nil {
			j.Owner = strings.ToLower(f.Owner.Kind) + "/" + f.Owner.Name
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeFindingsText prints findings grouped by namespace, most severe first.
func writeFindingsText(w io.Writer, fs []kube.Finding, s analyzers.Scope) {
	if len(fs) == 0 {
		where := "any namespace"
		if s.Namespace != "" {
			where = "namespace " + s.Namespace
		}
		fmt.Fprintf(w, "No problems found in %s.\n", where)
		return
	}
	byNS := map[string][]kube.Finding{}
	var order []string
	for _, f := range fs {
		if _, ok := byNS[f.Object.Namespace]; !ok {
			order = append(order, f.Object.Namespace)
		}
		byNS[f.Object.Namespace] = append(byNS[f.Object.Namespace], f)
	}
	sort.Strings(order)
	for _, ns := range order {
		title := ns
		if title == "" {
			title = "(cluster-scoped)"
		}
		fmt.Fprintf(w, "== namespace %s ==\n", title)
		for _, f := range byNS[ns] {
			fmt.Fprintf(w, "[%s] %s/%s: %s\n  %s\n", strings.ToUpper(f.Severity.String()), strings.ToLower(f.Object.Kind), f.Object.Name, f.Reason, f.Message)
			for _, e := range f.Evidence {
				fmt.Fprintf(w, "    %s\n", e)
			}
			if f.Fix != "" {
				fmt.Fprintf(w, "  fix: %s\n", f.Fix)
			}
		}
		fmt.Fprintln(w)
	}
}
