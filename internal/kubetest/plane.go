package kubetest

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// Plane is the control plane of one test package.
type Plane struct {
	cluster *localcluster.Cluster
}

// Main is the body of a test package's TestMain: it builds the binaries if
// needed (progress on stderr), starts one plane, stores it in *out, runs the
// tests, stops the plane and exits with the tests' status. If the plane
// cannot be built or started it prints why and exits 1: cluster tests never
// skip. SIGINT or SIGTERM stop the plane before the process exits.
func Main(m *testing.M, out **Plane) {
	os.Exit(Run(m, out))
}

// Run is Main without the exit, for a TestMain with cleanup of its own:
// it returns the exit code after the plane has stopped.
func Run(m *testing.M, out **Plane) int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	// Building and starting can be interrupted: the context ends on a signal.
	ctx, cancel := context.WithCancel(context.Background())
	setupDone := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-setupDone:
		}
	}()
	c, err := setup(ctx)
	close(setupDone)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubetest: no control plane for this test package: %v\n", err)
		return 1
	}

	testsDone := make(chan struct{})
	defer close(testsDone)
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(os.Stderr, "kubetest: %v: stopping the control plane\n", s)
			if err := c.Stop(); err != nil {
				fmt.Fprintf(os.Stderr, "kubetest: stop control plane: %v\n", err)
			}
			os.Exit(1)
		case <-testsDone:
		}
	}()

	*out = &Plane{cluster: c}
	code := m.Run()
	if err := c.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "kubetest: stop control plane: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

func setup(ctx context.Context) (*localcluster.Cluster, error) {
	bin, err := localcluster.EnsureBinaries(ctx, localcluster.BuildOptions{Log: os.Stderr})
	if err != nil {
		return nil, fmt.Errorf("build binaries: %w", err)
	}
	// The simulated kubelet's rules of the demo and the scenarios: pods fail
	// exactly while their spec would fail them on a real node, so fixes can
	// be verified.
	c, err := localcluster.Start(ctx, localcluster.Options{BinDir: bin, Log: os.Stderr, FaultRules: demo.FaultRules()})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Cluster returns the underlying cluster, e.g. for SetContainerLogs.
func (p *Plane) Cluster() *localcluster.Cluster { return p.cluster }

// Config returns a new admin (system:masters) config.
func (p *Plane) Config() *rest.Config { return p.cluster.RESTConfig() }

// Clientset returns an admin clientset.
func (p *Plane) Clientset(t testing.TB) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(p.Config())
	if err != nil {
		t.Fatalf("kubetest: admin clientset: %v", err)
	}
	return cs
}

// User returns a config authenticated as name in groups, by a client
// certificate from the cluster CA. It is granted nothing: bind roles to it
// (subject kind User, or Group) as the test needs.
func (p *Plane) User(t testing.TB, name string, groups ...string) *rest.Config {
	t.Helper()
	cfg, err := p.cluster.UserConfig(name, groups...)
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	return cfg
}
