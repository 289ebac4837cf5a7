package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options configure Start.
type Options struct {
	// BinDir holds the binaries, as returned by EnsureBinaries. Required.
	BinDir string
	// Dir holds the cluster's state: PKI, etcd data, kubeconfig, component
	// logs (Dir/logs). If empty, Start creates a temporary directory and Stop
	// removes it. If set, it must be empty or absent, and Stop leaves it in
	// place for inspection.
	Dir string
	// Nodes is the number of fake nodes (kwok-node-0, ...). Default 2.
	Nodes int
	// Log receives progress lines. May be nil.
	Log io.Writer
	// FaultRules are the simulated kubelet's failures: each makes the
	// containers whose spec satisfies its condition fail the way a kubelet
	// reports it (crash loops, OOM kills, image pulls, failing probes), in
	// addition to pods annotated with CrashLoopAnnotation.
	FaultRules []FaultRule
}

// Cluster is a running local control plane. Stop it when done.
type Cluster struct {
	binDir   string
	dir      string
	ownDir   bool // created by Start, removed by Stop
	log      io.Writer
	ports    ports
	pki      *pki
	config   *rest.Config // admin
	client   kubernetes.Interface
	dynamic  dynamic.Interface
	spawner  *spawner
	procs    []*process
	stopOnce sync.Once
	stopErr  error
	checker  *configCheck // the kubelet's ConfigMap and Secret lookups
	logsMu   sync.Mutex
	logRules map[string]bool // ClusterLogs created by SetContainerLogs, by name
}

// errPortInUse marks a start failure caused by a port taken between
// picking and binding it; Start then retries with new ports.
var errPortInUse = errors.New("port already in use")

// Start starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok on loopback ports, registers opts.Nodes fake nodes and returns
// once the API is ready, every node is Ready and the default ServiceAccount
// of the default namespace exists. On failure it stops whatever it started
// and returns an error that includes the tail of the failing component's log.
//
// ctx bounds the start only: cancelling it later does not stop the cluster.
// Every component runs in its own process group and is killed if the
// calling process dies, so a crashed test leaves no process behind.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.BinDir == "" {
		return nil, errors.New("start cluster: Options.BinDir is required (see EnsureBinaries)")
	}
	if !complete(opts.BinDir) {
		return nil, fmt.Errorf("start cluster: %s lacks some binaries or kwok files; build it with EnsureBinaries", opts.BinDir)
	}
	if opts.Nodes < 0 {
		return nil, fmt.Errorf("start cluster: negative node count %d", opts.Nodes)
	}
	if opts.Nodes == 0 {
		opts.Nodes = 2
	}
	for _, r := range opts.FaultRules {
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("start cluster: %w", err)
		}
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	for attempt := 1; ; attempt++ {
		c, err := start(ctx, opts)
		if err == nil {
			return c, nil
		}
		// A port taken in between is only worth retrying in a fresh temporary dir.
		if attempt == 3 || opts.Dir != "" || !errors.Is(err, errPortInUse) {
			return nil, fmt.Errorf("start cluster: %w", err)
		}
		fmt.Fprintf(opts.Log, "localcluster: %v; retrying with new ports\n", err)
	}
}

func start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	t0 := time.Now()
	c := &Cluster{binDir: opts.BinDir, log: opts.Log, logRules: map[string]bool{}}
	if c.dir, c.ownDir, err = stateDir(opts.Dir); err != nil {
		return nil, err
	}
	c.spawner = newSpawner()
	defer func() {
		if err != nil {
			_ = c.Stop() // roll back
		}
	}()
	for _, d := range []string{"logs", "etcd", podLogsDir} {
		if err := os.MkdirAll(filepath.Join(c.dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("create state dir: %w", err)
		}
	}
	if c.ports, err = pickPorts(); err != nil {
		return nil, err
	}
	if c.pki, err = newPKI(filepath.Join(c.dir, "pki"), firstServiceIP); err != nil {
		return nil, fmt.Errorf("generate pki: %w", err)
	}
	if c.config, err = c.writeKubeconfig(); err != nil {
		return nil, err
	}
	if c.client, err = kubernetes.NewForConfig(c.config); err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	if c.dynamic, err = dynamic.NewForConfig(c.config); err != nil {
		return nil, fmt.Errorf("create dynamic client: %w", err)
	}
	c.progress(t0, "state in %s; ports: %v", c.dir, c.ports)

	etcd, err := c.spawn("etcd", binEtcd, etcdArgs(ctx, binPath(c.binDir, binEtcd), filepath.Join(c.dir, "etcd"), c.ports)...)
	if err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, etcd, "etcd healthy", 30*time.Second, c.etcdHealthy); err != nil {
		return nil, err
	}
	c.progress(t0, "etcd healthy")

	apiserver, err := c.spawn("kube-apiserver", binKubeAPIServer, apiserverArgs(c.pki, c.ports)...)
	if err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, apiserver, "kube-apiserver /readyz", 90*time.Second, c.apiReady); err != nil {
		return nil, err
	}
	c.progress(t0, "kube-apiserver ready")

	kubeconfig := c.KubeconfigPath()
	kcm, err := c.spawn("kube-controller-manager", binControllerManager, controllerManagerArgs(c.pki, kubeconfig, c.ports)...)
	if err != nil {
		return nil, err
	}
	if _, err := c.spawn("kube-scheduler", binScheduler, schedulerArgs(kubeconfig, c.ports)...); err != nil {
		return nil, err
	}
	if err := c.installKwokCRDs(ctx, apiserver); err != nil {
		return nil, err
	}
	kwokConfig := filepath.Join(c.dir, "kwok.yaml")
	if err := writeKwokConfig(c.binDir, kwokConfig, opts.FaultRules); err != nil {
		return nil, err
	}
	if c.checker, err = startConfigCheck(c.config, c.log); err != nil {
		return nil, err
	}
	kwok, err := c.spawn("kwok", binKwok, kwokArgs(c.pki, kubeconfig, kwokConfig, c.ports)...)
	if err != nil {
		return nil, err
	}
	if err := c.createNodes(ctx, opts.Nodes); err != nil {
		return nil, err
	}
	if err := c.waitFor(ctx, kwok, fmt.Sprintf("%d nodes Ready", opts.Nodes), 60*time.Second, c.nodesReady(opts.Nodes)); err != nil {
		return nil, err
	}
	c.progress(t0, "%d nodes Ready", opts.Nodes)
	if err := c.waitFor(ctx, kcm, "ServiceAccount default/default", 60*time.Second, c.defaultServiceAccount); err != nil {
		return nil, err
	}
	for _, p := range c.procs {
		if p.exited() {
			return nil, c.componentFailure(p)
		}
	}
	c.progress(t0, "cluster up; KUBECONFIG=%s", kubeconfig)
	return c, nil
}

// stateDir prepares the state directory: the caller's (empty or absent)
// or a new temporary one.
func stateDir(dir string) (path string, own bool, err error) {
	if dir == "" {
		sweepStaleDirs()
		path, err := os.MkdirTemp("", stateDirPrefix)
		if err != nil {
			return "", false, fmt.Errorf("create state dir: %w", err)
		}
		if err := writeOwner(path); err != nil {
			_ = os.RemoveAll(path)
			return "", false, err
		}
		return path, true, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, fmt.Errorf("state dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return "", false, fmt.Errorf("create state dir: %w", err)
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return "", false, fmt.Errorf("read state dir: %w", err)
	}
	if len(entries) > 0 {
		return "", false, fmt.Errorf("state dir %s is not empty", abs)
	}
	return abs, false, nil
}

// spawn starts a component with its log in Dir/logs/<name>.log.
func (c *Cluster) spawn(name, bin string, args ...string) (*process, error) {
	p, err := c.spawner.start(name, filepath.Join(c.dir, "logs", name+".log"), binPath(c.binDir, bin), args...)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

// waitFor polls cond until it returns true, failing early if any component
// exits. On timeout the error carries cond's last error and the log tail of
// the component being waited for (comp, may be nil).
func (c *Cluster) waitFor(parent context.Context, comp *process, what string, timeout time.Duration, cond func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		for _, p := range c.procs {
			if p.exited() {
				return fmt.Errorf("wait for %s: %w", what, c.componentFailure(p))
			}
		}
		ok, err := cond(ctx)
		if ok {
			return nil
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if err := parent.Err(); err != nil { // the caller gave up: no diagnosis needed
				return fmt.Errorf("wait for %s: %w", what, err)
			}
			msg := fmt.Sprintf("wait for %s: timed out after %s", what, timeout)
			if lastErr != nil {
				msg += fmt.Sprintf(" (last error: %.500s)", lastErr.Error())
			}
			if comp != nil {
				msg += fmt.Sprintf("; last lines of %s:\n%s", comp.logPath, logTail(comp.logPath, 20))
			}
			return errors.New(msg)
		case <-tick.C:
		}
	}
}

// componentFailure describes a component that exited, marking port clashes.
func (c *Cluster) componentFailure(p *process) error {
	err := p.failure()
	if strings.Contains(logTail(p.logPath, 50), "address already in use") {
		return fmt.Errorf("%w: %w", errPortInUse, err)
	}
	return err
}

func (c *Cluster) etcdHealthy(ctx context.Context) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loopbackURL("http", c.ports.etcd)+"/health", nil)
	if err != nil {
		return false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"true"`), nil
}

func (c *Cluster) apiReady(ctx context.Context) (bool, error) {
	_, err := c.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	return err == nil, err
}

func (c *Cluster) progress(t0 time.Time, format string, args ...any) {
	fmt.Fprintf(c.log, "localcluster: [%5.2fs] %s\n", time.Since(t0).Seconds(), fmt.Sprintf(format, args...))
}

// Stop stops every component (SIGTERM, then SIGKILL after 5 s) and removes
// the state directory if Start created it. It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		if c.checker != nil {
			c.checker.stop()
		}
		// Clients first, then the apiserver, then etcd: an apiserver whose
		// etcd is already gone takes seconds to give up.
		var clients, apiserver, etcd []*process
		for _, p := range c.procs {
			switch p.name {
			case "etcd":
				etcd = append(etcd, p)
			case "kube-apiserver":
				apiserver = append(apiserver, p)
			default:
				clients = append(clients, p)
			}
		}
		for _, group := range [][]*process{clients, apiserver, etcd} {
			stopAll(group, 5*time.Second)
		}
		c.spawner.close()
		if c.ownDir {
			if err := os.RemoveAll(c.dir); err != nil {
				c.stopErr = fmt.Errorf("remove state dir: %w", err)
			}
		}
	})
	return c.stopErr
}

// Dir returns the state directory; component logs are in Dir()/logs.
func (c *Cluster) Dir() string { return c.dir }
