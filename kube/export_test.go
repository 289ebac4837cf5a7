package kube

import "github.com/kubertnetes/kubertnetes/internal/kubetest"

// The external tests (package kube_test) read through a Reader and check
// what kube/analyze and kube/fixer make of its output too, which this
// package's own tests cannot import. They share this test binary's plane.

// SharedPlane is the plane of this test binary.
func SharedPlane() *kubetest.Plane { return plane }

// Simulator is what the plane's simulator adds to a cluster, hidden as the
// playground hides it.
var Simulator = simulator
