package kube

import (
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// plane is the real control plane shared by this package's cluster tests.
var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }

// simulator is what the plane's simulator adds to a cluster, hidden as the
// playground hides it.
var simulator = Hidden{APIGroups: []string{localcluster.SimulatorAPIGroup}, KeyPrefixes: []string{localcluster.SimulatorKeyPrefix}}

// newReader returns a Reader with the plane's admin identity.
func newReader(t *testing.T) *Reader {
	t.Helper()
	r, err := NewReader(plane.Config(), ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tableRows parses a kubectl-style table into its header and rows of
// whitespace-separated fields.
func tableRows(t *testing.T, table string) (header []string, rows [][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	if len(lines) == 0 {
		t.Fatalf("empty table")
	}
	// Headers may contain one space ("NOMINATED NODE"): split on runs of 2+.
	for _, h := range strings.Split(lines[0], "  ") {
		if h = strings.TrimSpace(h); h != "" {
			header = append(header, h)
		}
	}
	for _, l := range lines[1:] {
		rows = append(rows, strings.Fields(l))
	}
	return header, rows
}
