package kubetest

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// Plane is the control plane of one test package. It starts the first
// time a test needs it, so tests that need no cluster run without one.
type Plane struct {
	ctx   context.Context // ends on SIGINT or SIGTERM, or when the tests are done
	setup func(context.Context) (*localcluster.Cluster, error)

	once    sync.Once
	cluster *localcluster.Cluster // set by once
	err     error                 // set by once

	mu      sync.Mutex // held while starting and stopping
	stopped bool
}

// Main is the body of a test package's TestMain: it stores a Plane in
// *out, runs the tests, stops the plane if a test started it and exits
// with the tests' status. The plane is built if needed (progress on
// stderr) and started when a test first needs it; if that fails, that
// test and every later one that needs it fail with the reason: cluster
// tests never skip. SIGINT or SIGTERM stop a started plane before the
// process exits.
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
	defer cancel()
	p := &Plane{ctx: ctx, setup: setup}
	*out = p

	testsDone := make(chan struct{})
	defer close(testsDone)
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(os.Stderr, "kubetest: %v: stopping the control plane\n", s)
			cancel() // a start in progress gives up and cleans up after itself
			if err := p.stop(); err != nil {
				fmt.Fprintf(os.Stderr, "kubetest: stop control plane: %v\n", err)
			}
			os.Exit(1)
		case <-testsDone:
		}
	}()

	code := m.Run()
	cancel()
	if err := p.stop(); err != nil {
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

// start starts the plane, once; the error of that one attempt is returned
// to every caller.
func (p *Plane) start() (*localcluster.Cluster, error) {
	p.once.Do(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.stopped {
			p.err = fmt.Errorf("the control plane was stopped before it started")
			return
		}
		if p.cluster, p.err = p.setup(p.ctx); p.err != nil {
			p.err = fmt.Errorf("no control plane for this test package: %w", p.err)
		}
	})
	return p.cluster, p.err
}

// stop stops the plane if it was started; a plane not started yet never
// will be.
func (p *Plane) stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return nil
	}
	p.stopped = true
	if p.cluster == nil {
		return nil
	}
	return p.cluster.Stop()
}

// Started reports whether a test has started the plane and it has not
// stopped since.
func (p *Plane) Started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cluster != nil && !p.stopped
}

// mustStart is start for the methods without a test to fail: a plane that
// cannot start panics with the reason, which fails the test that called.
func (p *Plane) mustStart() *localcluster.Cluster {
	c, err := p.start()
	if err != nil {
		panic("kubetest: " + err.Error())
	}
	return c
}

// started is start for the methods with a test: a plane that cannot start
// fails t with the reason.
func (p *Plane) started(t testing.TB) *localcluster.Cluster {
	t.Helper()
	c, err := p.start()
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	return c
}

// Cluster returns the underlying cluster, e.g. for SetContainerLogs.
func (p *Plane) Cluster() *localcluster.Cluster { return p.mustStart() }

// Config returns a new admin (system:masters) config.
func (p *Plane) Config() *rest.Config { return p.mustStart().RESTConfig() }

// Clientset returns an admin clientset.
func (p *Plane) Clientset(t testing.TB) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(p.started(t).RESTConfig())
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
	cfg, err := p.started(t).UserConfig(name, groups...)
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	return cfg
}
