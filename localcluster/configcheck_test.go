package localcluster

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestConfigStatus(t *testing.T) {
	creating := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	held := func(p *corev1.Pod) *corev1.Pod {
		for _, c := range p.Spec.InitContainers {
			p.Status.InitContainerStatuses = append(p.Status.InitContainerStatuses, corev1.ContainerStatus{Name: c.Name, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}})
		}
		for _, c := range p.Spec.Containers {
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, State: creating})
		}
		return p
	}
	pod := func(init []string, containers ...string) *corev1.Pod {
		p := &corev1.Pod{}
		for _, n := range init {
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: n})
		}
		for _, n := range containers {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n})
		}
		return held(p)
	}
	states := func(status map[string]any) (init, regular []string) {
		for key, out := range map[string]*[]string{"initContainerStatuses": &init, "containerStatuses": &regular} {
			ss, _ := status[key].([]corev1.ContainerStatus)
			for _, s := range ss {
				switch {
				case s.State.Waiting != nil:
					*out = append(*out, strings.TrimSpace(s.Name+" "+s.State.Waiting.Reason+" "+s.State.Waiting.Message))
				case s.State.Running != nil:
					*out = append(*out, s.Name+" running")
				case s.State.Terminated != nil:
					*out = append(*out, s.Name+" "+s.State.Terminated.Reason)
				}
			}
		}
		return init, regular
	}
	tests := []struct {
		name          string
		pod           *corev1.Pod
		failed        map[string]string
		init, regular []string
	}{
		{"resolved at once: only the condition", pod(nil, "app"), nil, nil, nil},
		{"a regular container fails, its sibling runs", pod(nil, "app", "sidecar"), map[string]string{"app": `configmap "x" not found`},
			nil, []string{`app CreateContainerConfigError configmap "x" not found`, "sidecar running"}},
		{"the second init container fails", pod([]string{"wait", "migrate", "seed"}, "app"), map[string]string{"migrate": `secret "db" not found`},
			[]string{"wait Completed", `migrate CreateContainerConfigError secret "db" not found`, "seed PodInitializing"}, []string{"app PodInitializing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := configStatus(tt.pod, tt.failed)
			if _, ok := status["conditions"]; !ok {
				t.Error("no PodReadyToStartContainers condition")
			}
			init, regular := states(status)
			if diff := cmp.Diff(tt.init, init); diff != "" {
				t.Errorf("init containers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.regular, regular); diff != "" {
				t.Errorf("containers (-want +got):\n%s", diff)
			}
		})
	}

	// Once the ConfigMap exists, the failing container is being created
	// again (kwok takes over) and the condition is not written twice.
	p := pod(nil, "app", "sidecar")
	p.Status.Conditions = []corev1.PodCondition{{Type: condReadyToStart, Status: corev1.ConditionTrue}}
	p.Status.ContainerStatuses[0].State = configErrorState(`configmap "x" not found`)
	p.Status.ContainerStatuses[1].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	status := configStatus(p, nil)
	if _, ok := status["conditions"]; ok {
		t.Error("condition written again")
	}
	if _, regular := states(status); !cmp.Equal(regular, []string{"app ContainerCreating", "sidecar running"}) {
		t.Errorf("after the fix: %q", regular)
	}
}
