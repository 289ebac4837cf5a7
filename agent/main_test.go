package agent

import (
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }
