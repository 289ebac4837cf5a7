package analyze

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
)

func testJob(change func(*batchv1.Job)) *batchv1.Job {
	one := int32(1)
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db-migrate", UID: "job-uid"},
		Spec:       batchv1.JobSpec{BackoffLimit: &one},
	}
	if change != nil {
		change(j)
	}
	return j
}

func failedCond(reason, msg string) batchv1.JobCondition {
	return batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: reason, Message: msg}
}

// jobPod is a pod of Job db-migrate created at minute m whose container
// migrate ended as term says.
func jobPod(name string, m int, state, last *corev1.ContainerStateTerminated) corev1.Pod {
	yes := true
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC)),
			OwnerReferences: []metav1.OwnerReference{{Kind: "Job", Name: "db-migrate", UID: "job-uid", Controller: &yes}}},
		Status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{
			Name: "migrate", State: corev1.ContainerState{Terminated: state}, LastTerminationState: corev1.ContainerState{Terminated: last},
		}}},
	}
}

func TestCheckJob(t *testing.T) {
	job := kube.ObjectRef{Kind: "Job", Namespace: "shop", Name: "db-migrate"}
	exit3 := &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error"}
	backoff := func(j *batchv1.Job) {
		j.Status.Failed = 2
		j.Status.Conditions = []batchv1.JobCondition{failedCond("BackoffLimitExceeded", "Job has reached the specified backoff limit")}
	}
	tests := []struct {
		name string
		job  *batchv1.Job
		pods []corev1.Pod
		want []kube.Finding
	}{
		{"running", testJob(func(j *batchv1.Job) { j.Status.Active = 1 }), nil, nil},
		{"complete", testJob(func(j *batchv1.Job) {
			j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
		}), nil, nil},
		{"backoff limit, the newest failed pod named", testJob(backoff), []corev1.Pod{
			jobPod("db-migrate-aaaaa", 1, &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}, nil),
			jobPod("db-migrate-bbbbb", 2, exit3, nil),
		}, []kube.Finding{{
			Object: job, Severity: kube.Critical, Reason: "JobFailed",
			Message: "Job db-migrate failed: its pods failed 2 times, more than its backoffLimit of 1; pod db-migrate-bbbbb's container migrate exited with code 3 (Error)",
			Evidence: []string{
				"condition Failed=True: BackoffLimitExceeded: Job has reached the specified backoff limit",
				"pods: 2 failed, 0 succeeded, 0 active; backoffLimit: 1",
				"pod db-migrate-bbbbb, container migrate: exitCode=3 reason=Error",
			},
		}}},
		{"backoff limit, OnFailure: the restarted container's last exit", testJob(backoff), []corev1.Pod{
			jobPod("db-migrate-ccccc", 1, nil, exit3),
		}, []kube.Finding{{
			Object: job, Severity: kube.Critical, Reason: "JobFailed",
			Message: "Job db-migrate failed: its pods failed 2 times, more than its backoffLimit of 1; pod db-migrate-ccccc's container migrate exited with code 3 (Error)",
			Evidence: []string{
				"condition Failed=True: BackoffLimitExceeded: Job has reached the specified backoff limit",
				"pods: 2 failed, 0 succeeded, 0 active; backoffLimit: 1",
				"pod db-migrate-ccccc, container migrate: exitCode=3 reason=Error",
			},
		}}},
		{"deadline exceeded, pods gone; owned by a CronJob", testJob(func(j *batchv1.Job) {
			yes, ten := true, int64(10)
			j.OwnerReferences = []metav1.OwnerReference{{Kind: "CronJob", Name: "nightly", Controller: &yes}}
			j.Spec.BackoffLimit, j.Spec.ActiveDeadlineSeconds = nil, &ten
			j.Status.Conditions = []batchv1.JobCondition{failedCond("DeadlineExceeded", "Job was active longer than specified deadline")}
		}), nil, []kube.Finding{{
			Object: job, Severity: kube.Critical, Reason: "JobFailed", Owner: &kube.ObjectRef{Kind: "CronJob", Namespace: "shop", Name: "nightly"},
			Message: "Job db-migrate failed: it was active longer than its activeDeadlineSeconds (10s) and was stopped",
			Evidence: []string{
				"condition Failed=True: DeadlineExceeded: Job was active longer than specified deadline",
				"pods: 0 failed, 0 succeeded, 0 active; backoffLimit: 6",
			},
		}}},
		{"another failure reason", testJob(func(j *batchv1.Job) {
			j.Status.Conditions = []batchv1.JobCondition{failedCond("PodFailurePolicy", "Container migrate for pod shop/db-migrate-x failed with exit code 42 matching FailJob rule at index 0")}
		}), nil, []kube.Finding{{
			Object: job, Severity: kube.Critical, Reason: "JobFailed",
			Message: "Job db-migrate failed: PodFailurePolicy: Container migrate for pod shop/db-migrate-x failed with exit code 42 matching FailJob rule at index 0",
			Evidence: []string{
				"condition Failed=True: PodFailurePolicy: Container migrate for pod shop/db-migrate-x failed with exit code 42 matching FailJob rule at index 0",
				"pods: 0 failed, 0 succeeded, 0 active; backoffLimit: 1",
			},
		}}},
		{"suspended", testJob(func(j *batchv1.Job) { yes := true; j.Spec.Suspend = &yes }), nil, []kube.Finding{{
			Object: job, Severity: kube.Info, Reason: "JobSuspended",
			Message:  "Job db-migrate is suspended: it runs no pods until spec.suspend is false",
			Evidence: []string{"spec.suspend: true", "pods: 0 active, 0 succeeded, 0 failed"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkJob(tt.job, ownedPods(tt.pods, tt.job))
			if diff := cmp.Diff(tt.want, got, ignoreStatic); diff != "" {
				t.Errorf("checkJob (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Docs == "" || f.Fix == "" {
					t.Errorf("finding %s has no docs link or fix hint", f.Reason)
				}
			}
		})
	}
	other := jobPod("other-x", 1, exit3, nil)
	other.OwnerReferences[0].UID = types.UID("another-job")
	if got := ownedPods([]corev1.Pod{other}, testJob(nil)); len(got) != 0 {
		t.Errorf("ownedPods took a pod of another Job: %v", got)
	}
}

// On the plane, a failed Job's finding names its failing pod's exit code
// and the last lines the container printed.
func TestJobFailedNamesExitCodeAndLogs(t *testing.T) {
	t.Parallel()
	ns, fs := scenarioFindings(t, "job-backoff-limit", "Job", "JobFailed")
	f := fs[0]
	if !strings.Contains(f.Message, "its pods failed 2 times, more than its backoffLimit of 1") || !strings.Contains(f.Message, "exited with code 3 (Error)") {
		t.Errorf("message %q does not give the backoff limit and the exit code", f.Message)
	}
	// The simulated container's log, as the script prints it.
	plane.SetLogs(t, ns, "migrate", []string{"migrating postgress://shop@db:5432/shop", "FATAL: DATABASE_URL must start with postgres://"}, nil)
	kubetest.Eventually(t, 30*time.Second, "the log lines in the evidence", func() (bool, error) {
		fs, err := Run(t.Context(), newReader(t), Scope{Namespace: ns})
		for _, f := range fs {
			if f.Reason == "JobFailed" && slices.Contains(f.Evidence, "log: FATAL: DATABASE_URL must start with postgres://") {
				return true, err
			}
		}
		return false, err
	})
}
