package analyze

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"

	"golang.org/x/sync/errgroup"
	"k8s.io/klog/v2"

	"github.com/kubertnetes/kubertnetes/kube"
)

// Scope narrows an analysis. The zero value means the whole cluster.
type Scope struct {
	// Namespace limits the analysis to one namespace; "" means all.
	Namespace string
	// Names, when set, keeps only findings whose object or owner name
	// contains one of these (case-insensitive), e.g. "faulty-app".
	Names []string
}

// Analyzer finds problems of one kind. It does the I/O and calls pure
// rules; one file each, registered in Analyzers.
type Analyzer interface {
	Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error)
}

// NamedAnalyzer pairs an analyzer with its name, for errors and filtering.
type NamedAnalyzer struct {
	Name     string
	Analyzer Analyzer
}

// Analyzers is the table of built-in analyzers. Adding one: a file, a line
// here, and a test.
func Analyzers() []NamedAnalyzer {
	return []NamedAnalyzer{
		{Name: "pod", Analyzer: podAnalyzer{}},
		{Name: "deployment", Analyzer: deploymentAnalyzer{}},
		{Name: "service-reference", Analyzer: serviceRefAnalyzer{}},
		{Name: "service", Analyzer: serviceAnalyzer{}},
		{Name: "ingress", Analyzer: ingressAnalyzer{}},
		{Name: "pvc", Analyzer: pvcAnalyzer{}},
		{Name: nodeAnalyzerName, Analyzer: nodeAnalyzer{}},
		{Name: "replicaset", Analyzer: replicaSetAnalyzer{}},
		{Name: "resource-quota", Analyzer: quotaAnalyzer{}},
		{Name: "config-reference", Analyzer: configRefAnalyzer{}},
		{Name: "hpa", Analyzer: hpaAnalyzer{}},
		{Name: "network-policy", Analyzer: netpolAnalyzer{}},
		{Name: "probe", Analyzer: probeAnalyzer{}},
		{Name: "statefulset", Analyzer: statefulSetAnalyzer{}},
		{Name: "daemonset", Analyzer: daemonSetAnalyzer{}},
		{Name: "job", Analyzer: jobAnalyzer{}},
		{Name: "cronjob", Analyzer: cronJobAnalyzer{}},
	}
}

// Run runs every analyzer concurrently over the scope and returns the
// findings redacted (by src's Redactor) and sorted. One analyzer failing
// (RBAC, say) does not hide the others' findings: its error is returned
// alongside. Shared.Run is Run for many callers at once.
//
// A whole-cluster Run over a PodPager holds one namespace's pods at a time
// (see runByNamespace); its findings are the same.
func Run(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	if pager, ok := src.(PodPager); ok && s.Namespace == "" {
		if fs, err, ok := runByNamespace(ctx, src, pager); ok {
			return s.keep(fs), err
		}
	}
	fs, err := analyzeAll(ctx, newSweep(src), s.Namespace, nil)
	return s.keep(fs), err
}

// nodeAnalyzerName is the analyzer a whole-cluster run by namespace runs
// once, over the whole cluster.
const nodeAnalyzerName = "node"

// analyzeAll runs every analyzer keep accepts (nil: all) over namespace ns
// ("" for all) of sw and returns all their findings, redacted and sorted.
func analyzeAll(ctx context.Context, sw *sweep, ns string, keep func(NamedAnalyzer) bool) ([]kube.Finding, error) {
	s := Scope{Namespace: ns}
	var as []NamedAnalyzer
	for _, a := range Analyzers() {
		if keep == nil || keep(a) {
			as = append(as, a)
		}
	}
	red := sw.Redactor()
	results := make([][]kube.Finding, len(as))
	errs := make([]error, len(as))
	var g errgroup.Group
	for i, a := range as {
		g.Go(func() error {
			// Analyzers read hostile object fields: a panic in one is
			// its error, not the end of the process.
			defer func() {
				if p := recover(); p != nil {
					// The panic's value may quote what the analyzer read.
					what := red.Text(fmt.Sprint(p))
					klog.Errorf("%s analyzer panicked: %s\n%s", a.Name, what, debug.Stack())
					errs[i] = fmt.Errorf("%s analyzer: internal error (panic: %s)", a.Name, what)
				}
			}()
			fs, err := a.Analyzer.Analyze(ctx, sw, s)
			if err != nil {
				errs[i] = fmt.Errorf("%s analyzer: %w", a.Name, err)
			}
			results[i] = fs
			return nil
		})
	}
	_ = g.Wait()
	var out []kube.Finding
	for _, fs := range results {
		for _, f := range fs {
			out = append(out, red.Finding(f))
		}
	}
	kube.SortFindings(out)
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return out, nil
}

// keep returns the findings s.Names selects, in a slice of their own.
func (s Scope) keep(fs []kube.Finding) []kube.Finding {
	var out []kube.Finding
	for _, f := range fs {
		if s.matches(f) {
			out = append(out, f)
		}
	}
	return out
}

func (s Scope) matches(f kube.Finding) bool {
	if len(s.Names) == 0 {
		return true
	}
	for _, n := range s.Names {
		n = strings.ToLower(n)
		if strings.Contains(strings.ToLower(f.Object.Name), n) || (f.Owner != nil && strings.Contains(strings.ToLower(f.Owner.Name), n)) {
			return true
		}
	}
	return false
}
