package analyze

import (
	"context"
	"fmt"
	"sort"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// jobAnalyzer diagnoses Jobs that failed (their backoff limit or deadline
// reached), naming the failing pod's exit code and last log lines, and
// Jobs that are suspended.
type jobAnalyzer struct{}

var _ Analyzer = jobAnalyzer{}

const jobDocs = "https://kubernetes.io/docs/concepts/workloads/controllers/job/"

func (jobAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	jobs, err := src.Jobs(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	var pods []corev1.Pod
	for i := range jobs {
		if jobFailed(&jobs[i]) != nil {
			if pods, err = src.Pods(ctx, s.Namespace); err != nil {
				return nil, err
			}
			break
		}
	}
	var out []kube.Finding
	for i := range jobs {
		j := &jobs[i]
		for _, f := range checkJob(j, ownedPods(pods, j)) {
			if f.Reason == "JobFailed" {
				if p, c, _ := failedPod(ownedPods(pods, j)); p != nil {
					f.Evidence = append(f.Evidence, jobLogLines(ctx, src, p, c)...)
				}
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// jobLogLines are the last lines the failed container printed: its
// current log when it stays terminated (restartPolicy Never), its previous
// one when the kubelet restarted it (OnFailure).
func jobLogLines(ctx context.Context, src Source, p *corev1.Pod, container string) []string {
	previous := false
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == container && cs.State.Terminated == nil {
			previous = true
		}
	}
	return lastLogLines(ctx, src, p, container, previous)
}

// ownedPods are the pods whose controller is Job j.
func ownedPods(pods []corev1.Pod, j *batchv1.Job) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		if c := metav1.GetControllerOf(&p); c != nil && c.UID == j.UID && p.Namespace == j.Namespace {
			out = append(out, p)
		}
	}
	return out
}

func jobFailed(j *batchv1.Job) *batchv1.JobCondition {
	for i, c := range j.Status.Conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func jobFinished(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobFailed || c.Type == batchv1.JobComplete) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// failedPod is the newest of pods with a container that exited non-zero,
// that container and how it ended.
func failedPod(pods []corev1.Pod) (*corev1.Pod, string, *corev1.ContainerStateTerminated) {
	sorted := make([]*corev1.Pod, 0, len(pods))
	for i := range pods {
		sorted = append(sorted, &pods[i])
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[j].CreationTimestamp.Before(&sorted[i].CreationTimestamp)
	})
	for _, p := range sorted {
		for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
			for _, t := range []*corev1.ContainerStateTerminated{cs.State.Terminated, cs.LastTerminationState.Terminated} {
				if t != nil && t.ExitCode != 0 {
					return p, cs.Name, t
				}
			}
		}
	}
	return nil, "", nil
}

// jobOwner is the CronJob that created j, if one did.
func jobOwner(j *batchv1.Job) *kube.ObjectRef {
	if c := metav1.GetControllerOf(j); c != nil && c.Kind == "CronJob" {
		return &kube.ObjectRef{Kind: "CronJob", Namespace: j.Namespace, Name: c.Name}
	}
	return nil
}

// checkJob is the pure rule over a Job and its pods.
func checkJob(j *batchv1.Job, pods []corev1.Pod) []kube.Finding {
	ref := kube.ObjectRef{Kind: "Job", Namespace: j.Namespace, Name: j.Name}
	if cond := jobFailed(j); cond != nil {
		backoff := int32(6)
		if j.Spec.BackoffLimit != nil {
			backoff = *j.Spec.BackoffLimit
		}
		why := fmt.Sprintf("%s: %s", cond.Reason, cond.Message)
		fix := "Read the failing pod's logs, correct the Job's spec, and create the Job again: a Job's pod template cannot be changed."
		switch cond.Reason {
		case "BackoffLimitExceeded":
			why = fmt.Sprintf("its pods failed %d times, more than its backoffLimit of %d", j.Status.Failed, backoff)
			fix = "Read the failing pod's logs for why it exits non-zero, correct the Job's spec (env, command, image), and create the Job again: a Job's pod template cannot be changed."
		case "DeadlineExceeded":
			deadline := "its activeDeadlineSeconds"
			if j.Spec.ActiveDeadlineSeconds != nil {
				deadline = fmt.Sprintf("its activeDeadlineSeconds (%ds)", *j.Spec.ActiveDeadlineSeconds)
			}
			why = fmt.Sprintf("it was active longer than %s and was stopped", deadline)
			fix = "Find out why its pods did not finish in time (scheduling, image pulls, a slow or hanging command), then raise activeDeadlineSeconds or fix the cause, and create the Job again."
		}
		f := kube.Finding{
			Object: ref, Severity: kube.Critical, Reason: "JobFailed", Owner: jobOwner(j),
			Message: fmt.Sprintf("Job %s failed: %s", j.Name, why),
			Evidence: []string{
				fmt.Sprintf("condition Failed=True: %s: %s", cond.Reason, cond.Message),
				fmt.Sprintf("pods: %d failed, %d succeeded, %d active; backoffLimit: %d", j.Status.Failed, j.Status.Succeeded, j.Status.Active, backoff),
			},
			Docs: jobDocs + "#handling-pod-and-container-failures",
			Fix:  fix,
		}
		if p, c, t := failedPod(pods); p != nil {
			f.Message += fmt.Sprintf("; pod %s's container %s exited with code %d (%s)", p.Name, c, t.ExitCode, t.Reason)
			f.Evidence = append(f.Evidence, fmt.Sprintf("pod %s, container %s: exitCode=%d reason=%s", p.Name, c, t.ExitCode, t.Reason))
		}
		return []kube.Finding{f}
	}
	if j.Spec.Suspend != nil && *j.Spec.Suspend && !jobFinished(j) {
		return []kube.Finding{{
			Object: ref, Severity: kube.Info, Reason: "JobSuspended", Owner: jobOwner(j),
			Message:  fmt.Sprintf("Job %s is suspended: it runs no pods until spec.suspend is false", j.Name),
			Evidence: []string{"spec.suspend: true", fmt.Sprintf("pods: %d active, %d succeeded, %d failed", j.Status.Active, j.Status.Succeeded, j.Status.Failed)},
			Docs:     jobDocs + "#suspending-a-job",
			Fix:      "If it should run, set spec.suspend to false; a suspended Job's activeDeadlineSeconds timer is stopped meanwhile.",
		}}
	}
	return nil
}
