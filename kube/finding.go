package kube

import (
	"fmt"
	"sort"
	"strings"
)

// Severity ranks a Finding. The zero value is invalid on purpose.
type Severity int

// Severities, most serious first.
const (
	Critical Severity = iota + 1
	Warning
	Info
)

func (s Severity) String() string {
	switch s {
	case Critical:
		return "critical"
	case Warning:
		return "warning"
	case Info:
		return "info"
	default:
		return fmt.Sprintf("severity(%d)", int(s))
	}
}

// MarshalText makes severities readable in JSON output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ObjectRef names one Kubernetes object.
type ObjectRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

func (o ObjectRef) String() string {
	kind := strings.ToLower(o.Kind)
	if o.Namespace == "" {
		return kind + "/" + o.Name
	}
	return o.Namespace + "/" + kind + "/" + o.Name
}

// Finding is one diagnosed problem, backed by evidence read from the cluster.
type Finding struct {
	Object   ObjectRef `json:"object"`
	Severity Severity  `json:"severity"`
	// Reason is a stable machine-readable code, e.g. "CrashLoopBackOff".
	Reason   string   `json:"reason"`
	Message  string   `json:"message"`
	Evidence []string `json:"evidence,omitempty"`
	Docs     string   `json:"docs,omitempty"`
	// Fix is a human-readable hint of what would resolve the finding.
	Fix string `json:"fix,omitempty"`
	// Owner is the workload that owns the object (a Deployment for its pods),
	// when there is one: fixes target the owner, not the pod.
	Owner *ObjectRef `json:"owner,omitempty"`
	// Proposal is a concrete change that would resolve the finding, when
	// the evidence determines one (a near-miss name, say). It is only a
	// proposal: it is previewed and needs an approval like any fix.
	Proposal *Fix `json:"proposal,omitempty"`
}

// SortFindings orders findings by severity, then namespace, kind, name and
// reason, so that rendered output and golden files are stable.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity < b.Severity
		}
		if a.Object.Namespace != b.Object.Namespace {
			return a.Object.Namespace < b.Object.Namespace
		}
		if a.Object.Kind != b.Object.Kind {
			return a.Object.Kind < b.Object.Kind
		}
		if a.Object.Name != b.Object.Name {
			return a.Object.Name < b.Object.Name
		}
		return a.Reason < b.Reason
	})
}
