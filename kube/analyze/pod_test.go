package analyze

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// testPod is a running pod whose containers are named names; change
// shapes its status.
func testPod(change func(*corev1.Pod), names ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "api-7d9f-x2x"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, n := range names {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n, Image: "registry.example/" + n + ":1"})
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: n, Image: "registry.example/" + n + ":1", Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
		})
	}
	if change != nil {
		change(p)
	}
	return p
}

func waiting(reason, message string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
}

func terminated(code int32, reason string) corev1.ContainerState {
	return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason}}
}

// ignoreStatic leaves out the fixed docs link and fix hint.
var ignoreStatic = cmpopts.IgnoreFields(kube.Finding{}, "Docs", "Fix")

func TestCheckPod(t *testing.T) {
	pod := kube.ObjectRef{Kind: "Pod", Namespace: "shop", Name: "api-7d9f-x2x"}
	tests := []struct {
		name string
		pod  *corev1.Pod
		want []kube.Finding
	}{
		{"healthy", testPod(nil, "api", "sidecar"), nil},
		{"no containers yet", testPod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }), nil},
		{"pending but scheduled", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}
			p.Status.ContainerStatuses[0].State = waiting("ContainerCreating", "")
		}, "api"), nil},
		{"crash loop with exit code", testPod(func(p *corev1.Pod) {
			cs := &p.Status.ContainerStatuses[0]
			cs.Ready, cs.RestartCount = false, 5
			cs.State = waiting("CrashLoopBackOff", "back-off 40s restarting failed container=api")
			cs.LastTerminationState = terminated(3, "Error")
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "CrashLoopBackOff",
			Message:  "Container api of pod api-7d9f-x2x is in CrashLoopBackOff (restarted 5 times); it last exited with code 3 (Error)",
			Evidence: []string{"container: api", "restartCount: 5", "lastState.terminated: exitCode=3 reason=Error"},
		}}},
		{"crash loop without last state", testPod(func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State = waiting("CrashLoopBackOff", "")
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "CrashLoopBackOff",
			Message:  "Container api of pod api-7d9f-x2x is in CrashLoopBackOff (restarted 0 times)",
			Evidence: []string{"container: api", "restartCount: 0"},
		}}},
		{"crash loop of one container of two", testPod(func(p *corev1.Pod) {
			cs := &p.Status.ContainerStatuses[1]
			cs.RestartCount, cs.State, cs.LastTerminationState = 2, waiting("CrashLoopBackOff", ""), terminated(1, "Error")
		}, "api", "sidecar"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "CrashLoopBackOff",
			Message:  "Container sidecar of pod api-7d9f-x2x is in CrashLoopBackOff (restarted 2 times); it last exited with code 1 (Error)",
			Evidence: []string{"container: sidecar", "restartCount: 2", "lastState.terminated: exitCode=1 reason=Error"},
		}}},
		{"crash loop of an init container", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0].State = waiting("PodInitializing", "")
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{
				Name: "migrate", RestartCount: 4, State: waiting("CrashLoopBackOff", ""), LastTerminationState: terminated(2, "Error"),
			}}
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "CrashLoopBackOff",
			Message:  "Init container migrate of pod api-7d9f-x2x is in CrashLoopBackOff (restarted 4 times); it last exited with code 2 (Error); the pod's other containers cannot start until it succeeds",
			Evidence: []string{"container: migrate", "restartCount: 4", "init container: the pod waits for it", "lastState.terminated: exitCode=2 reason=Error"},
		}}},
		{"image pull of an init container", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0].State = waiting("PodInitializing", "")
			p.Spec.InitContainers = []corev1.Container{{Name: "migrate", Image: "registry.invalid/shop/migrate:1"}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{
				Name: "migrate", Image: "registry.invalid/shop/migrate:1",
				State: waiting("ImagePullBackOff", `Back-off pulling image "registry.invalid/shop/migrate:1": ErrImagePull: dial tcp: lookup registry.invalid: no such host`),
			}}
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "ImagePullBackOff",
			Message: `Init container migrate of pod api-7d9f-x2x cannot pull its image "registry.invalid/shop/migrate:1": Back-off pulling image "registry.invalid/shop/migrate:1": ErrImagePull: dial tcp: lookup registry.invalid: no such host; the pod's other containers cannot start until it succeeds`,
			Evidence: []string{"container: migrate", "restartCount: 0", "init container: the pod waits for it", "image: registry.invalid/shop/migrate:1",
				`waiting: Back-off pulling image "registry.invalid/shop/migrate:1": ErrImagePull: dial tcp: lookup registry.invalid: no such host`},
		}}},
		{"OOMKilled crash loop", testPod(func(p *corev1.Pod) {
			cs := &p.Status.ContainerStatuses[0]
			cs.RestartCount, cs.State, cs.LastTerminationState = 3, waiting("CrashLoopBackOff", ""), terminated(137, "OOMKilled")
			p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "OOMKilled",
			Message:  "Container api of pod api-7d9f-x2x was killed for using more memory than its limit",
			Evidence: []string{"container: api", "restartCount: 3", "lastState.terminated: exitCode=137 reason=OOMKilled", "limits.memory: 64Mi"},
		}}},
		{"OOMKilled, running again", testPod(func(p *corev1.Pod) {
			cs := &p.Status.ContainerStatuses[0]
			cs.RestartCount, cs.LastTerminationState = 1, terminated(137, "OOMKilled")
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "OOMKilled",
			Message:  "Container api of pod api-7d9f-x2x was killed for using more memory than its limit",
			Evidence: []string{"container: api", "restartCount: 1"},
		}}},
		{"restarted after an error, running again", testPod(func(p *corev1.Pod) {
			cs := &p.Status.ContainerStatuses[0]
			cs.RestartCount, cs.LastTerminationState = 1, terminated(1, "Error")
		}, "api"), nil},
		{"ImagePullBackOff", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0].State = waiting("ImagePullBackOff", `Back-off pulling image "registry.example/api:1"`)
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "ImagePullBackOff",
			Message:  `Container api of pod api-7d9f-x2x cannot pull its image "registry.example/api:1": Back-off pulling image "registry.example/api:1"`,
			Evidence: []string{"container: api", "restartCount: 0", "image: registry.example/api:1", `waiting: Back-off pulling image "registry.example/api:1"`},
		}}},
		{"ErrImagePull", testPod(func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State = waiting("ErrImagePull", "manifest unknown")
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "ErrImagePull",
			Message:  `Container api of pod api-7d9f-x2x cannot pull its image "registry.example/api:1": manifest unknown`,
			Evidence: []string{"container: api", "restartCount: 0", "image: registry.example/api:1", "waiting: manifest unknown"},
		}}},
		{"CreateContainerConfigError", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0].State = waiting("CreateContainerConfigError", `configmap "api-config" not found`)
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "CreateContainerConfigError",
			Message:  `Container api of pod api-7d9f-x2x cannot be created: ConfigMap "api-config" does not exist in namespace shop`,
			Evidence: []string{"container: api", "restartCount: 0", `waiting: configmap "api-config" not found`, "missing: ConfigMap shop/api-config"},
		}}},
		{"CreateContainerConfigError, secret", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0].State = waiting("CreateContainerConfigError", `secret "db-credential" not found`)
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "CreateContainerConfigError",
			Message:  `Container api of pod api-7d9f-x2x cannot be created: Secret "db-credential" does not exist in namespace shop`,
			Evidence: []string{"container: api", "restartCount: 0", `waiting: secret "db-credential" not found`, "missing: Secret shop/db-credential"},
		}}},
		{"CreateContainerConfigError, key", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0].State = waiting("CreateContainerConfigError", "couldn't find key LOG_LEVL in ConfigMap shop/worker-config")
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "CreateContainerConfigError",
			Message:  `Container api of pod api-7d9f-x2x cannot be created: ConfigMap shop/worker-config has no key "LOG_LEVL"`,
			Evidence: []string{"container: api", "restartCount: 0", "waiting: couldn't find key LOG_LEVL in ConfigMap shop/worker-config", `missing: key "LOG_LEVL" in ConfigMap shop/worker-config`},
		}}},
		{"CreateContainerConfigError, other", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses[0].State = waiting("CreateContainerConfigError", "failed to prepare subPath for volumeMount")
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "CreateContainerConfigError",
			Message:  "Container api of pod api-7d9f-x2x cannot be created: failed to prepare subPath for volumeMount",
			Evidence: []string{"container: api", "restartCount: 0", "waiting: failed to prepare subPath for volumeMount"},
		}}},
		{"Unschedulable", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses = nil
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
				Message: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."}}
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "Unschedulable",
			Message:  "Pod api-7d9f-x2x cannot be scheduled: 0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
			Evidence: []string{"condition PodScheduled=False: 0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."},
		}}},
		{"Evicted", testPod(func(p *corev1.Pod) {
			p.Status.Phase, p.Status.Reason = corev1.PodFailed, "Evicted"
			p.Status.Message = "The node was low on resource: memory."
			p.Status.ContainerStatuses[0].State = terminated(137, "ContainerStatusUnknown")
		}, "api"), []kube.Finding{{
			Object: pod, Severity: kube.Warning, Reason: "Evicted",
			Message:  "Pod api-7d9f-x2x was evicted: The node was low on resource: memory.",
			Evidence: []string{"status.reason: Evicted", "status.message: The node was low on resource: memory."},
		}}},
		{"completed", testPod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses[0].State = terminated(0, "Completed")
		}, "job"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkPod(tt.pod)
			if diff := cmp.Diff(tt.want, got, ignoreStatic); diff != "" {
				t.Errorf("checkPod (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Docs == "" || f.Fix == "" {
					t.Errorf("finding %s has no docs link or fix hint", f.Reason)
				}
			}
		})
	}
}

func TestPodOwner(t *testing.T) {
	yes, no := true, false
	owners := replicaSetOwners([]appsv1.ReplicaSet{
		rs("shop", "api-7d9f", "Deployment", "api", &yes),
		rs("shop", "orphan-1", "Deployment", "gone", &no),
	})
	tests := []struct {
		name string
		refs []metav1.OwnerReference
		want *kube.ObjectRef
	}{
		{"deployment behind its replicaset", []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "api-7d9f", Controller: &yes}}, &kube.ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "api"}},
		{"replicaset without a deployment", []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "orphan-1", Controller: &yes}}, &kube.ObjectRef{Kind: "ReplicaSet", Namespace: "shop", Name: "orphan-1"}},
		{"statefulset", []metav1.OwnerReference{{Kind: "StatefulSet", Name: "db", Controller: &yes}}, &kube.ObjectRef{Kind: "StatefulSet", Namespace: "shop", Name: "db"}},
		{"not a controller", []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "api-7d9f"}}, nil},
		{"bare pod", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPod(func(p *corev1.Pod) { p.OwnerReferences = tt.refs }, "api")
			if diff := cmp.Diff(tt.want, podOwner(p, owners)); diff != "" {
				t.Errorf("podOwner (-want +got):\n%s", diff)
			}
		})
	}
}

func rs(ns, name, ownerKind, owner string, controller *bool) appsv1.ReplicaSet {
	return appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, OwnerReferences: []metav1.OwnerReference{
		{Kind: ownerKind, Name: owner, Controller: controller},
	}}}
}

func TestPullFix(t *testing.T) {
	tests := []struct{ msg, want string }{
		{`dial tcp: lookup registry.invalid: no such host`, "registry host does not resolve"},
		{`failed to resolve reference "nginx:does-not-exist": not found`, "no such image"},
		{`pull access denied, repository does not exist or may require authorization`, "imagePullSecrets"},
		{`something else`, "Correct the image name or tag"},
	}
	for _, tt := range tests {
		if got := pullFix(tt.msg); !strings.Contains(got, tt.want) {
			t.Errorf("pullFix(%q) = %q, want it to say %q", tt.msg, got, tt.want)
		}
	}
}
