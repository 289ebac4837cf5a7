package main

import (
	"context"
	"fmt"
	"io"

	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// startPlayground builds (once, cached) and starts the local simulated
// control plane, and loads the demo app into its default namespace.
func startPlayground(ctx context.Context, cfg Config, w io.Writer) (*localcluster.Cluster, error) {
	cache, err := cfg.cacheDir()
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(w, "Preparing the local control plane (the first run builds it from the Go module proxy: about 5 minutes)…")
	bin, err := localcluster.EnsureBinaries(ctx, localcluster.BuildOptions{CacheDir: cache, Log: w})
	if err != nil {
		return nil, fmt.Errorf("build the playground cluster: %w", err)
	}
	c, err := localcluster.Start(ctx, localcluster.Options{BinDir: bin, Log: w, FaultRules: demo.FaultRules()})
	if err != nil {
		return nil, fmt.Errorf("start the playground cluster: %w", err)
	}
	if err := demo.Load(ctx, c.RESTConfig(), c, "default"); err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("load the demo app: %w", err)
	}
	return c, nil
}

// playground runs the simulated cluster with the demo app until Ctrl-C.
func playground(ctx context.Context, cfg Config, args []string, std stdio) error {
	if len(args) > 0 {
		return usageErrorf("playground takes no arguments")
	}
	c, err := startPlayground(ctx, cfg, std.err)
	if err != nil {
		return err
	}
	defer func() { _ = c.Stop() }()
	fmt.Fprintf(std.out, `
The playground cluster is running with the broken demo app in namespace default
(crashloop-app crash-looping, faulty-app reporting a bad status).

In another terminal:
  export KUBECONFIG=%s
  kubertnetes ask "why is crashloop-app failing?"
  kubertnetes chat

Press Ctrl-C to stop it (everything it started is stopped and removed).
`, c.KubeconfigPath())
	<-ctx.Done()
	fmt.Fprintln(std.err, "stopping the playground cluster…")
	return nil
}
