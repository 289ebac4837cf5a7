package demo

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// scenarioFS holds the scenario library: scenarios/NAME.yaml reproduces one
// fault class (on k3d for real, on the local plane through the simulation
// rules), scenarios/NAME.expect.yaml says what the analyzers must report.
//
//go:embed scenarios/*.yaml
var scenarioFS embed.FS

// Expectation is one finding a scenario must produce.
type Expectation struct {
	Kind string `json:"kind"`
	// Name is the object's name; a trailing * matches a prefix (a
	// Deployment's pods).
	Name     string `json:"name"`
	Reason   string `json:"reason"`
	Severity string `json:"severity"`
}

// Matches reports whether a finding's object and reason meet the expectation.
func (e Expectation) Matches(kind, name, reason, severity string) bool {
	if e.Kind != kind || e.Reason != reason || (e.Severity != "" && e.Severity != severity) {
		return false
	}
	if prefix, ok := strings.CutSuffix(e.Name, "*"); ok {
		return strings.HasPrefix(name, prefix)
	}
	return e.Name == name
}

// Scenario is one fault class, ready to load into a namespace.
type Scenario struct {
	Name      string
	Manifests []byte
	Expect    []Expectation
}

// Scenarios returns the library, sorted by name.
func Scenarios() ([]Scenario, error) {
	files, err := fs.Glob(scenarioFS, "scenarios/*.yaml")
	if err != nil {
		return nil, err
	}
	var out []Scenario
	for _, f := range files {
		if strings.HasSuffix(f, ".expect.yaml") {
			continue
		}
		name := strings.TrimSuffix(path.Base(f), ".yaml")
		manifests, err := scenarioFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		raw, err := scenarioFS.ReadFile("scenarios/" + name + ".expect.yaml")
		if err != nil {
			return nil, fmt.Errorf("scenario %s has no %s.expect.yaml: %w", name, name, err)
		}
		var expect []Expectation
		if err := yaml.UnmarshalStrict(raw, &expect); err != nil {
			return nil, fmt.Errorf("scenario %s: %s.expect.yaml: %w", name, name, err)
		}
		if len(expect) == 0 {
			return nil, fmt.Errorf("scenario %s expects nothing", name)
		}
		out = append(out, Scenario{Name: name, Manifests: manifests, Expect: expect})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
