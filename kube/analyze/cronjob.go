package analyze

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// cronJobAnalyzer diagnoses CronJobs that are suspended, and CronJobs
// whose most recent run failed.
type cronJobAnalyzer struct{}

var _ Analyzer = cronJobAnalyzer{}

const cronJobDocs = "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/"

func (cronJobAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	cjs, err := src.CronJobs(ctx, s.Namespace)
	if err != nil || len(cjs) == 0 {
		return nil, err
	}
	jobs, err := src.Jobs(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	var out []kube.Finding
	for i := range cjs {
		cj := &cjs[i]
		var own []batchv1.Job
		for _, j := range jobs {
			if c := metav1.GetControllerOf(&j); c != nil && c.UID == cj.UID && j.Namespace == cj.Namespace {
				own = append(own, j)
			}
		}
		out = append(out, checkCronJob(cj, own)...)
	}
	return out, nil
}

// checkCronJob is the pure rule over a CronJob and the Jobs it created.
func checkCronJob(cj *batchv1.CronJob, jobs []batchv1.Job) []kube.Finding {
	ref := kube.ObjectRef{Kind: "CronJob", Namespace: cj.Namespace, Name: cj.Name}
	schedule := []string{"schedule: " + cj.Spec.Schedule, "last schedule: " + when(cj.Status.LastScheduleTime), "last success: " + when(cj.Status.LastSuccessfulTime)}
	var out []kube.Finding
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Info, Reason: "CronJobSuspended",
			Message:  fmt.Sprintf("CronJob %s is suspended: it schedules no new Jobs", cj.Name),
			Evidence: append([]string{"spec.suspend: true"}, schedule...),
			Docs:     cronJobDocs + "#schedule-suspension",
			Fix:      "If it should run, set spec.suspend to false; runs missed meanwhile start only within startingDeadlineSeconds.",
		})
	}
	var last *batchv1.Job
	for i := range jobs {
		if last == nil || last.CreationTimestamp.Before(&jobs[i].CreationTimestamp) {
			last = &jobs[i]
		}
	}
	if last == nil {
		return out
	}
	if cond := jobFailed(last); cond != nil {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "CronJobFailed",
			Message:  fmt.Sprintf("CronJob %s's last run, Job %s, failed: %s", cj.Name, last.Name, cond.Reason),
			Evidence: append([]string{fmt.Sprintf("job %s: condition Failed=True: %s: %s", last.Name, cond.Reason, cond.Message)}, schedule...),
			Docs:     cronJobDocs,
			Fix:      fmt.Sprintf("See the finding on Job %s for why it failed, then correct the CronJob's jobTemplate: the next run uses it.", last.Name),
		})
	}
	return out
}

func when(t *metav1.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}
