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
// Job pods complete, and containers fail the way a kubelet reports it when
//
//   - their own spec satisfies one of Options.FaultRules: a jq expression
//     over one container (the Pod bound to $pod; kwok v0.8.0 evaluates stage
//     selectors with gojq, and a jq error counts as false) and a FaultKind:
//     FaultCrash (CrashLoopBackOff with the exit code, restarts rising,
//     BackOff events; with restartPolicy Never the pod Fails, so a Job's
//     controller counts the failure), FaultOOMKilled (the same with 137
//     OOMKilled), FaultImagePull (ErrImagePull, then ImagePullBackOff, with
//     the kubelet's Failed and BackOff events), FaultReadinessProbe (running,
//     never Ready, Unhealthy events) and FaultLivenessProbe (restarted on the
//     probe's own timing, Unhealthy and Killing events). Statuses, messages
//     and events are the kubelet's own texts (v1.37), events come from
//     source "kubelet" on the pod's node. Because the rules read the spec, a
//     fix to the spec rolls out pods that no longer match, and they run; or
//   - they are annotated with CrashLoopAnnotation (a marker for tests that
//     want a crash whatever the spec).
//
// What a kubelet decides from other objects, kwok cannot see: its stages
// only read the pod. So the one such decision the simulation makes — a
// container's env or envFrom naming a ConfigMap, Secret or key that does
// not exist (CreateContainerConfigError) — is made in Go, against the API,
// as the kubelet does it: kwok holds a pod with such references in
// ContainerCreating until the config check has looked them up; then either
// the check sets the kubelet's PodReadyToStartContainers condition and kwok
// runs the pod, or it reports CreateContainerConfigError with the
// kubelet's message (`configmap "x" not found`, `secret "x" not found`,
// `couldn't find key K in ConfigMap ns/x`) and a Warning Failed event, and
// retries every few seconds — creating the missing object starts the same
// pod, fixing the reference rolls out pods that start. References marked
// optional are skipped; volumes are not checked (their pods start).
//
// A rule covers a pod's first four containers and first two init
// containers (kwok's templates cannot evaluate jq per container, so each
// position has its own stage); init containers run in order, so a failing
// one keeps the others waiting in PodInitializing.
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
