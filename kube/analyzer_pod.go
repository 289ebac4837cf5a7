package kube

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podAnalyzer diagnoses pods whose containers cannot run.
type podAnalyzer struct{}

var _ Analyzer = podAnalyzer{}

const logEvidenceLines = 5

func (podAnalyzer) Analyze(ctx context.Context, r *Reader, s Scope) ([]Finding, error) {
	pods, err := r.core.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, describeErr(err, "pods", s.Namespace, "")
	}
	rss, err := r.core.AppsV1().ReplicaSets(s.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, describeErr(err, "replicasets", s.Namespace, "")
	}
	owners := replicaSetOwners(rss.Items)
	var out []Finding
	for i := range pods.Items {
		p := &pods.Items[i]
		owner := podOwner(p, owners)
		for _, f := range checkPod(p) {
			f.Owner = owner
			if f.Reason == "CrashLoopBackOff" {
				f.Evidence = append(f.Evidence, r.lastLogLines(ctx, p, f.container())...)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// container reads back which container a pod finding is about.
func (f Finding) container() string {
	for _, e := range f.Evidence {
		if c, ok := strings.CutPrefix(e, "container: "); ok {
			return c
		}
	}
	return ""
}

// lastLogLines returns the tail of the crashed container's previous run.
func (r *Reader) lastLogLines(ctx context.Context, p *corev1.Pod, container string) []string {
	out, err := r.Logs(ctx, LogsRequest{Namespace: p.Namespace, Pod: p.Name, Container: container, Previous: true, Tail: logEvidenceLines, MaxBytes: 2048})
	if err != nil || strings.TrimSpace(out) == "" || out == "(no log lines)" {
		return nil
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		lines = append(lines, "log: "+l)
	}
	return lines
}

// checkPod is the pure rule: one finding per broken container or pod state.
func checkPod(p *corev1.Pod) []Finding {
	ref := ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
	var out []Finding
	if p.Status.Phase == corev1.PodPending {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				out = append(out, Finding{
					Object: ref, Severity: Critical, Reason: "Unschedulable",
					Message:  fmt.Sprintf("Pod %s cannot be scheduled: %s", p.Name, c.Message),
					Evidence: []string{"condition PodScheduled=False: " + c.Message},
					Docs:     "https://kubernetes.io/docs/concepts/scheduling-eviction/",
					Fix:      "Relax the pod's nodeSelector/affinity or resource requests, or add a node that satisfies them.",
				})
			}
		}
	}
	if p.Status.Phase == corev1.PodFailed && p.Status.Reason == "Evicted" {
		out = append(out, Finding{
			Object: ref, Severity: Warning, Reason: "Evicted",
			Message:  fmt.Sprintf("Pod %s was evicted: %s", p.Name, p.Status.Message),
			Evidence: []string{"status.reason: Evicted", "status.message: " + p.Status.Message},
			Docs:     "https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/",
			Fix:      "Check the node's pressure conditions and the pod's resource requests.",
		})
	}
	// Init containers first: a crash-looping one (Init:CrashLoopBackOff)
	// keeps the others from ever starting.
	for _, statuses := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range statuses {
			if f, ok := checkContainer(ref, cs); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

func checkContainer(ref ObjectRef, cs corev1.ContainerStatus) (Finding, bool) {
	base := []string{"container: " + cs.Name, fmt.Sprintf("restartCount: %d", cs.RestartCount)}
	last := cs.LastTerminationState.Terminated
	w := cs.State.Waiting
	switch {
	case w != nil && w.Reason == "CrashLoopBackOff":
		msg := fmt.Sprintf("Container %s of pod %s is in CrashLoopBackOff (restarted %d times)", cs.Name, ref.Name, cs.RestartCount)
		ev := base
		if last != nil {
			msg += fmt.Sprintf("; it last exited with code %d (%s)", last.ExitCode, last.Reason)
			ev = append(ev, fmt.Sprintf("lastState.terminated: exitCode=%d reason=%s", last.ExitCode, last.Reason))
		}
		if last != nil && last.Reason == "OOMKilled" {
			return oomFinding(ref, cs, ev), true
		}
		return Finding{
			Object: ref, Severity: Critical, Reason: "CrashLoopBackOff", Message: msg, Evidence: ev,
			Docs: "https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/#my-pod-keeps-crashing-or-is-otherwise-unhealthy",
			Fix:  "Read the previous container's logs for the error it exits with, then correct the configuration (env, args, ConfigMap) it names.",
		}, true
	case w != nil && (w.Reason == "ImagePullBackOff" || w.Reason == "ErrImagePull" || w.Reason == "InvalidImageName"):
		return Finding{
			Object: ref, Severity: Critical, Reason: w.Reason,
			Message:  fmt.Sprintf("Container %s of pod %s cannot pull its image %q: %s", cs.Name, ref.Name, cs.Image, w.Message),
			Evidence: append(base, "image: "+cs.Image, "waiting: "+w.Message),
			Docs:     "https://kubernetes.io/docs/concepts/containers/images/",
			Fix:      "Correct the image name or tag, or add imagePullSecrets for a private registry.",
		}, true
	case w != nil && (w.Reason == "CreateContainerConfigError" || w.Reason == "CreateContainerError"):
		return Finding{
			Object: ref, Severity: Critical, Reason: w.Reason,
			Message:  fmt.Sprintf("Container %s of pod %s cannot be created: %s", cs.Name, ref.Name, w.Message),
			Evidence: append(base, "waiting: "+w.Message),
			Docs:     "https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/",
			Fix:      "Create the missing ConfigMap/Secret or key it names, or fix the reference in the pod spec.",
		}, true
	case last != nil && last.Reason == "OOMKilled" && cs.RestartCount > 0:
		return oomFinding(ref, cs, base), true
	}
	return Finding{}, false
}

func oomFinding(ref ObjectRef, cs corev1.ContainerStatus, ev []string) Finding {
	return Finding{
		Object: ref, Severity: Critical, Reason: "OOMKilled",
		Message:  fmt.Sprintf("Container %s of pod %s was killed for using more memory than its limit", cs.Name, ref.Name),
		Evidence: ev,
		Docs:     "https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/",
		Fix:      "Raise the container's memory limit, or reduce the workload's memory use.",
	}
}

// replicaSetOwners maps a ReplicaSet name to the Deployment owning it.
func replicaSetOwners(rss []appsv1.ReplicaSet) map[string]string {
	out := map[string]string{}
	for _, rs := range rss {
		for _, o := range rs.OwnerReferences {
			if o.Kind == "Deployment" && o.Controller != nil && *o.Controller {
				out[rs.Namespace+"/"+rs.Name] = o.Name
			}
		}
	}
	return out
}

// podOwner is the workload a fix should target: the Deployment behind a
// ReplicaSet, or the pod's direct controller.
func podOwner(p *corev1.Pod, rsOwners map[string]string) *ObjectRef {
	for _, o := range p.OwnerReferences {
		if o.Controller == nil || !*o.Controller {
			continue
		}
		if o.Kind == "ReplicaSet" {
			if d, ok := rsOwners[p.Namespace+"/"+o.Name]; ok {
				return &ObjectRef{Kind: "Deployment", Namespace: p.Namespace, Name: d}
			}
		}
		return &ObjectRef{Kind: o.Kind, Namespace: p.Namespace, Name: o.Name}
	}
	return nil
}
