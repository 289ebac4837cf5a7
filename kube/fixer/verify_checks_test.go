package fixer

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func unstructuredOf(t *testing.T, obj runtime.Object, kind string) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetKind(kind)
	return u
}

func TestCheckRollout(t *testing.T) {
	three := int32(3)
	dep := func(gen, observed int64, updated, total, available int32, conds ...appsv1.DeploymentCondition) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "api", Generation: gen},
			Spec:       appsv1.DeploymentSpec{Replicas: &three},
			Status:     appsv1.DeploymentStatus{ObservedGeneration: observed, UpdatedReplicas: updated, Replicas: total, AvailableReplicas: available, Conditions: conds},
		}
	}
	tests := []struct {
		name string
		obj  runtime.Object
		kind string
		want []string
	}{
		{"complete", dep(2, 2, 3, 3, 3), "Deployment", nil},
		{"not observed yet", dep(3, 2, 3, 3, 3), "Deployment", []string{"deployment api: the controller has not acted on the change yet (observed generation 2 of 3)"}},
		{"half way", dep(2, 2, 1, 4, 2), "Deployment", []string{
			"deployment api: 1 of 3 pods updated", "deployment api: 3 pods of the previous version still running", "deployment api: 2 of 3 pods available"}},
		{"stuck", dep(2, 2, 1, 3, 2, appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Reason: "ProgressDeadlineExceeded", Message: "timed out"}), "Deployment", []string{
			"deployment api exceeded its progress deadline: timed out", "deployment api: 1 of 3 pods updated", "deployment api: 2 pods of the previous version still running", "deployment api: 2 of 3 pods available"}},
		{"statefulset complete", &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Generation: 1}, Spec: appsv1.StatefulSetSpec{Replicas: &three},
			Status: appsv1.StatefulSetStatus{ObservedGeneration: 1, UpdatedReplicas: 3, ReadyReplicas: 3, CurrentRevision: "r2", UpdateRevision: "r2"}}, "StatefulSet", nil},
		{"statefulset rolling", &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Generation: 1}, Spec: appsv1.StatefulSetSpec{Replicas: &three},
			Status: appsv1.StatefulSetStatus{ObservedGeneration: 1, UpdatedReplicas: 1, ReadyReplicas: 2, CurrentRevision: "r1", UpdateRevision: "r2"}}, "StatefulSet", []string{
			"statefulset db: 1 of 3 pods updated", "statefulset db: 2 of 3 pods ready", "statefulset db: pods of the previous revision remain"}},
		{"daemonset", &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Generation: 4},
			Status: appsv1.DaemonSetStatus{ObservedGeneration: 4, DesiredNumberScheduled: 2, UpdatedNumberScheduled: 2, CurrentNumberScheduled: 2, NumberAvailable: 1}}, "DaemonSet", []string{
			"daemonset agent: 1 of 2 pods available"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := checkRollout(unstructuredOf(t, tt.obj, tt.kind))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
		})
	}
}

func TestCheckPods(t *testing.T) {
	ready := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	now := metav1.Now()
	pod := func(name string, conds []corev1.PodCondition, statuses ...corev1.ContainerStatus) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: conds, ContainerStatuses: statuses}}
	}
	running := corev1.ContainerStatus{Name: "app", RestartCount: 2, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	crashing := corev1.ContainerStatus{Name: "app", RestartCount: 5, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}}
	pulling := corev1.ContainerStatus{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}
	creating := corev1.ContainerStatus{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
	terminating := pod("old", nil, crashing)
	terminating.DeletionTimestamp = &now
	tests := []struct {
		name         string
		pods         []corev1.Pod
		want         []string
		wantRestarts map[string]int32
	}{
		{"all ready", []corev1.Pod{pod("a", ready, running)}, nil, map[string]int32{"a/app": 2}},
		{"crash loop", []corev1.Pod{pod("b", ready, running), pod("a", nil, crashing)}, []string{"pod a: container app is in CrashLoopBackOff (5 restarts, last exit code 1)"}, map[string]int32{"a/app": 5, "b/app": 2}},
		{"image pull", []corev1.Pod{pod("a", nil, pulling)}, []string{"pod a: container app is waiting: ImagePullBackOff"}, map[string]int32{"a/app": 0}},
		{"starting", []corev1.Pod{pod("a", nil, creating)}, []string{"pod a is not Ready (phase Running)"}, map[string]int32{"a/app": 0}},
		{"terminating pods are ignored", []corev1.Pod{pod("a", ready, running), terminating}, nil, map[string]int32{"a/app": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, restarts := checkPods(tt.pods)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("problems (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantRestarts, restarts); d != "" {
				t.Errorf("restarts (-want +got):\n%s", d)
			}
		})
	}
	if got := risenRestarts(map[string]int32{"a/app": 2, "b/app": 0}, map[string]int32{"a/app": 3, "b/app": 0, "c/app": 9}); !cmp.Equal(got, []string{"a/app restarted 1 times while being watched"}) {
		t.Errorf("risenRestarts = %v", got)
	}
}

func TestCheckEndpointsAndPVC(t *testing.T) {
	no, yes := false, true
	slices := []discoveryv1.EndpointSlice{{Endpoints: []discoveryv1.Endpoint{
		{Addresses: []string{"10.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &no}},
	}}}
	if _, p := checkEndpoints("web", slices); !cmp.Equal(p, []string{"service web has no ready endpoints: no Ready pod matches its selector"}) {
		t.Errorf("not-ready endpoints: %v", p)
	}
	slices[0].Endpoints = append(slices[0].Endpoints, discoveryv1.Endpoint{Addresses: []string{"10.0.0.2"}, Conditions: discoveryv1.EndpointConditions{Ready: &yes}})
	if seen, p := checkEndpoints("web", slices); p != nil || seen != "service web has 1 ready endpoints" {
		t.Errorf("one ready endpoint: %q %v", seen, p)
	}
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"}, Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}
	if _, p := checkPVC(pvc); !cmp.Equal(p, []string{"persistentvolumeclaim data is Pending, not Bound"}) {
		t.Errorf("pending claim: %v", p)
	}
	pvc.Status.Phase, pvc.Spec.VolumeName = corev1.ClaimBound, "pv-1"
	if seen, p := checkPVC(pvc); p != nil || seen != "persistentvolumeclaim data is Bound to pv-1" {
		t.Errorf("bound claim: %q %v", seen, p)
	}
}
