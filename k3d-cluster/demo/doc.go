// Package demo holds the kubertnetes demo app (faulty-deploy.yaml,
// for a real k3d cluster) and loads the same manifests into the local
// simulated control plane, adding what a kubelet would have done there:
// crashloop-app crash-loops with its FATAL log line, and faulty-app's
// checker logs that the backend cannot be reached.
//
// The simulation is decided from the objects' own spec, the way the
// containers' scripts decide it on k3d. The objects are created unchanged.
// Failures come from FaultRules, which the plane's kwok evaluates on every
// pod's spec: a container whose env LISTEN_PORT (a literal value in the pod
// spec) is empty or not all digits crash-loops with exit code 1, as
// crashloop-app's script does. So a fix setting LISTEN_PORT=8080 rolls out
// a pod that goes Ready, and LISTEN_PORT=eighty-one keeps crash-looping.
// The same rules reproduce the scenario library's faults (scenarios/):
// image pulls, OOM kills, probes aimed at undeclared ports, failing Jobs.
// Logs are set by container name (a BACKEND_URL naming no Service logs a
// failure); they do not change when the spec is fixed.
//
//	c, err := localcluster.Start(ctx, localcluster.Options{BinDir: bin, FaultRules: demo.FaultRules()})
//	err = demo.Load(ctx, c.RESTConfig(), c, "default")
package demo
