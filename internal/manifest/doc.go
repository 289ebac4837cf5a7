// Package manifest turns Kubernetes manifests into objects on a cluster:
// Decode reads a multi-document YAML (or JSON) stream, and an Applier
// creates the objects through the API, finding each kind's resource and
// scope by discovery, as `kubectl create -f` does.
//
// Namespaced objects go into the namespace given to Create (an object
// naming another one is an error); cluster-scoped objects are created as
// they are and come back without a namespace, so a caller can tell them
// apart to delete them later.
//
//	objs, err := manifest.Decode(yamlBytes)
//	a, err := manifest.NewApplier(cfg, manifest.Options{FieldManager: "kubertnetes-demo", IgnoreExisting: true})
//	created, err := a.Create(ctx, "default", objs)
//
// The demo app (k3d-cluster/demo), the test control plane's helpers
// (internal/kubetest) and the deploy manifests' tests (server-side dry
// run) all create objects through it.
package manifest
