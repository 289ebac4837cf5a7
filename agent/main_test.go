package agent

import (
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// plane is the control plane of the tests that read a real cluster; the
// loop's own tests use a fakeCluster and never touch it.
var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }

// simulator is what the plane's simulator adds to a cluster, hidden as the
// playground hides it.
var simulator = kube.Hidden{APIGroups: []string{localcluster.SimulatorAPIGroup}, KeyPrefixes: []string{localcluster.SimulatorKeyPrefix}}
