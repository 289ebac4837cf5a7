// Package k3dcluster holds the kubertnetes demo app (faulty-deploy.yaml,
// for a real k3d cluster) and loads the same manifests into the local
// simulated control plane, adding what a kubelet would have done there:
// crashloop-app crash-loops with its FATAL log line, and faulty-app's
// checker logs that the backend cannot be reached.
//
// The simulation is decided from the manifests' own spec, the way the
// containers' scripts decide it on k3d (a non-numeric LISTEN_PORT crashes;
// a BACKEND_URL naming no Service fails). Simulation markers are kwok
// annotations (kwok.x-k8s.io/*), which kube's Redactor hides from every
// tool and analyzer.
//
//	err := k3dcluster.Load(ctx, cfg, cluster, "default")
package k3dcluster
