// Package deploy holds what it takes to run kubertnetes in a cluster; it
// has no Go code of its own. Its tests check the files against a real
// control plane (see internal/kubetest):
//
//	Dockerfile                 the image: a static binary on distroless, user 65532
//	Dockerfile.dockerignore    what `docker build -f deploy/Dockerfile .` leaves out
//	base/                      kustomize base: namespace, ServiceAccount, read-only
//	                           ClusterRole and binding, ConfigMap, Deployment, Service
//	base/secret.example.yaml   the Secret template users copy and fill in
//	fixer/                     opt-in write access to apply approved fixes
//	slack-app-manifest.yaml    the Slack app, for "create app from manifest"
//
// Run the tests with: go test ./deploy/
package deploy
