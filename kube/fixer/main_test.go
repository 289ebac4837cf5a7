package fixer

import (
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// plane is the real control plane shared by this package's cluster tests.
var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }

// simulator is what the plane's simulator adds to a cluster, hidden as the
// playground hides it.
var simulator = kube.Hidden{APIGroups: []string{localcluster.SimulatorAPIGroup}, KeyPrefixes: []string{localcluster.SimulatorKeyPrefix}}
