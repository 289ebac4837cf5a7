package agent

import (
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/internal/openaitest"
	"github.com/kubertnetes/kubertnetes/kube/analyze/analyzetest"
)

// Eight investigations asking analyze at once (the bot runs eight) share
// one sweep of the cluster: the Loop's analyze tool serves them all, and
// each gets the findings.
func TestAnalyzeCallsOfConcurrentInvestigationsShareOneSweep(t *testing.T) {
	crash := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "api-0"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "api", Image: "registry.example/api:1"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "api", RestartCount: 5,
			State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}},
		}}},
	}
	src := analyzetest.NewSource(analyzetest.Objects{Pods: []corev1.Pod{crash}})
	l, err := NewLoop(openaitest.New(t).Client(), &fakeCluster{Source: src}, nil, LoopOptions{Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	const investigations = 8
	texts := make([]string, 2*investigations)
	errs := make([]error, 2*investigations)
	var wg sync.WaitGroup
	for i := range investigations {
		wg.Go(func() { // the whole cluster, then a namespace
			for j, args := range []string{`{}`, `{"namespace":"shop"}`} {
				tool, a, err := l.tools.Decode("analyze", args)
				if err != nil {
					errs[2*i+j] = err
					return
				}
				res, err := tool.Run(t.Context(), a)
				texts[2*i+j], errs[2*i+j] = res.Text, err
			}
		})
	}
	wg.Wait()
	for i := range texts {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if !strings.Contains(texts[i], "CrashLoopBackOff") {
			t.Errorf("call %d does not report the crash loop:\n%s", i, texts[i])
		}
	}
	if n, m := src.Lists("pods", ""), src.Lists("pods", "shop"); n != 1 || m != 0 {
		t.Errorf("%d investigations' analyze calls listed the pods %d times cluster-wide and %d in shop, want one cluster-wide sweep in all", investigations, n, m)
	}
}
