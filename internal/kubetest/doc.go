// Package kubetest gives tests a real Kubernetes control plane (see
// localcluster): one plane per test package, started when a test first
// needs it (so `go test -run TestParse` starts none), a fresh namespace
// per test, identities authenticated by client certificates for RBAC
// tests, and helpers to create objects and wait for conditions. On CI the cluster tests
// must run, never skip: when the plane cannot start, every test that needs
// it fails with the reason.
//
// Usage in a test package:
//
//	var plane *kubetest.Plane
//
//	func TestMain(m *testing.M) { kubetest.Main(m, &plane) }
//
//	func TestSomething(t *testing.T) {
//		ns := plane.Namespace(t)
//		plane.Apply(t, ns, []byte(manifests))
//		cs := plane.Clientset(t)
//		kubetest.Eventually(t, 30*time.Second, "deployment web available", func() (bool, error) {
//			d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
//			return err == nil && d.Status.AvailableReplicas == 1, err
//		})
//	}
//
// The first run builds the control plane binaries (~5 minutes, cached in the
// user cache dir); afterwards a plane starts in a few seconds.
package kubetest
