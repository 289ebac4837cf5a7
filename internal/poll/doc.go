// Package poll is the one way tests wait for a condition: Until checks it,
// at first every 50 ms and then less often (at most a second apart), until
// it holds, and fails the test, saying what it waited
// for and the last error, when it does not within the timeout.
//
// It depends on nothing in the project, so every test package can use it,
// including localcluster's own (which internal/kubetest, built on
// localcluster, cannot serve); kubetest.Eventually is Until, and its
// tests are Until's.
//
//	poll.Until(t, 30*time.Second, "deployment web available", func() (bool, error) {
//		d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
//		return err == nil && d.Status.AvailableReplicas == 1, err
//	})
package poll
