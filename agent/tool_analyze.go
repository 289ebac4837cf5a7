package agent

import (
	"context"
	"fmt"
	"strings"

	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/analyze"
)

// analyzeTool runs the built-in analyzers: the quickest way to spot the
// common failures. Its calls share sweeps (analyze.Shared): the Loop, and
// so this tool, serves every investigation at once.
type analyzeTool struct{ shared *analyze.Shared }

func newAnalyzeTool(r Cluster) analyzeTool {
	return analyzeTool{shared: analyze.NewShared(r, analyze.SharedOptions{})}
}

type analyzeArgs struct {
	Namespace string   `json:"namespace,omitempty" description:"omit for the whole cluster"`
	Names     []string `json:"names,omitempty" description:"only objects whose name contains one of these"`
}

func (analyzeTool) Name() string { return "analyze" }
func (analyzeTool) Description() string {
	return "Built-in analyzers: crash loops, image pulls, missing config, OOM kills, unschedulable pods, unavailable replicas… with evidence. A good first step."
}
func (analyzeTool) NewArgs() any { return &analyzeArgs{} }
func (analyzeTool) Target(a any) string {
	x := a.(*analyzeArgs)
	if x.Namespace == "" {
		return "all namespaces"
	}
	return "-n " + x.Namespace
}

func (t analyzeTool) Run(ctx context.Context, a any) (Result, error) {
	x := a.(*analyzeArgs)
	fs, err := t.shared.Run(ctx, analyze.Scope{Namespace: x.Namespace, Names: x.Names})
	if err != nil && len(fs) == 0 {
		return Result{}, err
	}
	text := FormatFindings(fs)
	if err != nil {
		text += "\n(some analyzers failed: " + err.Error() + ")"
	}
	return Result{Text: text, Findings: fs}, nil
}

// FormatFindings renders findings as plain text for the model and terminals.
func FormatFindings(fs []kube.Finding) string {
	if len(fs) == 0 {
		return "No problems found by the analyzers."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d finding(s):\n", len(fs))
	for _, f := range fs {
		fmt.Fprintf(&b, "- [%s] %s %s: %s\n", f.Severity, f.Object, f.Reason, f.Message)
		if f.Owner != nil {
			fmt.Fprintf(&b, "    owner: %s\n", f.Owner)
		}
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "    %s\n", e)
		}
		if f.Fix != "" {
			fmt.Fprintf(&b, "    hint: %s\n", f.Fix)
		}
		if p := f.Proposal; p != nil {
			fmt.Fprintf(&b, "    a fix the evidence determines (propose it with propose_fix if you agree): %s on %s\n", p.Operation, p.Target)
		}
	}
	return b.String()
}
