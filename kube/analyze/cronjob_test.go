package analyze

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

func TestCheckCronJob(t *testing.T) {
	cron := kube.ObjectRef{Kind: "CronJob", Namespace: "shop", Name: "nightly"}
	at := func(m int) *metav1.Time { t := metav1.NewTime(time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC)); return &t }
	cronJob := func(suspend bool) *batchv1.CronJob {
		return &batchv1.CronJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "nightly"},
			Spec:       batchv1.CronJobSpec{Schedule: "0 2 * * *", Suspend: &suspend},
			Status:     batchv1.CronJobStatus{LastScheduleTime: at(2), LastSuccessfulTime: at(1)},
		}
	}
	run := func(name string, m int, conds ...batchv1.JobCondition) batchv1.Job {
		return batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, CreationTimestamp: *at(m)}, Status: batchv1.JobStatus{Conditions: conds}}
	}
	schedule := []string{"schedule: 0 2 * * *", "last schedule: 2026-01-01T00:02:00Z", "last success: 2026-01-01T00:01:00Z"}
	failed := failedCond("BackoffLimitExceeded", "Job has reached the specified backoff limit")
	complete := batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}
	tests := []struct {
		name string
		cj   *batchv1.CronJob
		jobs []batchv1.Job
		want []kube.Finding
	}{
		{"no runs yet", cronJob(false), nil, nil},
		{"last run succeeded after a failure", cronJob(false), []batchv1.Job{run("nightly-1", 1, failed), run("nightly-2", 2, complete)}, nil},
		{"last run still running", cronJob(false), []batchv1.Job{run("nightly-1", 1, failed), run("nightly-2", 2)}, nil},
		{"last run failed", cronJob(false), []batchv1.Job{run("nightly-2", 2, failed), run("nightly-1", 1, complete)}, []kube.Finding{{
			Object: cron, Severity: kube.Warning, Reason: "CronJobFailed",
			Message:  "CronJob nightly's last run, Job nightly-2, failed: BackoffLimitExceeded",
			Evidence: append([]string{"job nightly-2: condition Failed=True: BackoffLimitExceeded: Job has reached the specified backoff limit"}, schedule...),
		}}},
		{"suspended", cronJob(true), nil, []kube.Finding{{
			Object: cron, Severity: kube.Info, Reason: "CronJobSuspended",
			Message:  "CronJob nightly is suspended: it schedules no new Jobs",
			Evidence: append([]string{"spec.suspend: true"}, schedule...),
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkCronJob(tt.cj, tt.jobs)
			if diff := cmp.Diff(tt.want, got, ignoreStatic); diff != "" {
				t.Errorf("checkCronJob (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Docs == "" || f.Fix == "" {
					t.Errorf("finding %s has no docs link or fix hint", f.Reason)
				}
			}
		})
	}
}
