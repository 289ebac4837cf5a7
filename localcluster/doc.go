// Package localcluster builds and runs a real, local Kubernetes control plane
// without containers: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler, with kwok standing in for the kubelets of fake nodes.
//
// Everything listens on 127.0.0.1 on free ports, so several clusters can run
// side by side (one per test package, say). Deployments, ReplicaSets,
// scheduling, RBAC with real client-certificate authentication, events and
// pods/log behave as in a real cluster; pod and service IPs are fake, so no
// traffic flows, and exec/port-forward are not available.
//
// The binaries are built from the Go module proxy with the go tool on PATH,
// once, into a cache directory (EnsureBinaries; a cold build takes ~5 minutes).
// Start then brings a cluster up in a few seconds, and Stop takes it down.
// Kubelet behaviour is simulated by kwok stages: pods go Running and Ready,
// Job pods complete, and pods crash-loop (CrashLoopBackOff, rising restart
// counts, BackOff events) when either
//
//   - their own spec satisfies one of Options.CrashRules: a jq expression over
//     the Pod (kwok v0.8.0 evaluates stage selectors with gojq; a jq error
//     counts as false). This is the honest simulation of a program that
//     exits at start on bad configuration: a fix to the spec rolls out pods
//     that no longer match, and they go Ready; or
//   - they are annotated with CrashLoopAnnotation (a marker for tests that
//     want a crash whatever the spec).
//
// SetContainerLogs decides what a container's logs say.
//
// It backs the test helpers in internal/kubetest and the
// `kubertnetes playground` command.
//
// Usage:
//
//	bin, err := localcluster.EnsureBinaries(ctx, localcluster.BuildOptions{Log: os.Stderr})
//	if err != nil {
//		return err
//	}
//	c, err := localcluster.Start(ctx, localcluster.Options{BinDir: bin})
//	if err != nil {
//		return err
//	}
//	defer c.Stop()
//	cs, err := kubernetes.NewForConfig(c.RESTConfig())
//	// ... or: KUBECONFIG=c.KubeconfigPath() kubectl get nodes
package localcluster
