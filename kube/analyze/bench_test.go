package analyze

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func BenchmarkCheckPod(b *testing.B) {
	p := testPod(func(p *corev1.Pod) {
		cs := &p.Status.ContainerStatuses[1]
		cs.RestartCount, cs.State, cs.LastTerminationState = 4, waiting("CrashLoopBackOff", "back-off"), terminated(1, "Error")
	}, "api", "sidecar", "proxy")
	b.ReportAllocs()
	for b.Loop() {
		if len(checkPod(p)) != 1 {
			b.Fatal("want one finding")
		}
	}
}
