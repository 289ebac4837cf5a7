package analyze

import (
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// plane is the real control plane shared by this package's cluster tests.
var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }

// simulator is what the plane's simulator adds to a cluster, hidden as the
// playground hides it.
var simulator = kube.Hidden{APIGroups: []string{localcluster.SimulatorAPIGroup}, KeyPrefixes: []string{localcluster.SimulatorKeyPrefix}}

// newReader returns a Reader with the plane's admin identity.
func newReader(t *testing.T) *kube.Reader {
	t.Helper()
	r, err := kube.NewReader(plane.Config(), kube.ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newFixer returns a fixer with the plane's admin identity, for the tests
// that check a finding's proposal really fixes it.
func newFixer(t *testing.T) *fixer.Fixer {
	t.Helper()
	f, err := fixer.New(plane.Config(), fixer.Options{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	return f
}
