package fixer

import (
	"fmt"
	"slices"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubertnetes/kubertnetes/kube"
)

// The checks below are pure: verification fetches the objects and calls
// them. Each returns what it saw right and what is still wrong.

// checkRollout reports whether a workload's rollout is complete, the way
// `kubectl rollout status` decides it.
func checkRollout(u *unstructured.Unstructured) (seen string, problems []string) {
	gen := u.GetGeneration()
	switch u.GetKind() {
	case "Deployment":
		var d appsv1.Deployment
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &d); err != nil {
			return "", []string{fmt.Sprintf("read deployment %s: %v", u.GetName(), err)}
		}
		want, s := replicas(d.Spec.Replicas), d.Status
		if s.ObservedGeneration < gen {
			return "", []string{fmt.Sprintf("deployment %s: the controller has not acted on the change yet (observed generation %d of %d)", d.Name, s.ObservedGeneration, gen)}
		}
		for _, c := range s.Conditions {
			if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
				problems = append(problems, fmt.Sprintf("deployment %s exceeded its progress deadline: %s", d.Name, c.Message))
			}
		}
		problems = append(problems, rollout("deployment "+d.Name, want, s.UpdatedReplicas, s.Replicas, s.AvailableReplicas)...)
		return fmt.Sprintf("deployment %s rolled out: %d/%d pods updated and available", d.Name, s.AvailableReplicas, want), problems
	case "StatefulSet":
		var st appsv1.StatefulSet
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &st); err != nil {
			return "", []string{fmt.Sprintf("read statefulset %s: %v", u.GetName(), err)}
		}
		want, s := replicas(st.Spec.Replicas), st.Status
		if s.ObservedGeneration < gen {
			return "", []string{fmt.Sprintf("statefulset %s: the controller has not acted on the change yet (observed generation %d of %d)", st.Name, s.ObservedGeneration, gen)}
		}
		target := want
		if ru := st.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil && *ru.Partition > 0 {
			target = max(want-*ru.Partition, 0)
		}
		if s.UpdatedReplicas < target {
			problems = append(problems, fmt.Sprintf("statefulset %s: %d of %d pods updated", st.Name, s.UpdatedReplicas, target))
		}
		if s.ReadyReplicas < want {
			problems = append(problems, fmt.Sprintf("statefulset %s: %d of %d pods ready", st.Name, s.ReadyReplicas, want))
		}
		if target == want && s.UpdateRevision != "" && s.CurrentRevision != s.UpdateRevision {
			problems = append(problems, fmt.Sprintf("statefulset %s: pods of the previous revision remain", st.Name))
		}
		return fmt.Sprintf("statefulset %s rolled out: %d/%d pods updated and ready", st.Name, s.ReadyReplicas, want), problems
	case "DaemonSet":
		var ds appsv1.DaemonSet
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &ds); err != nil {
			return "", []string{fmt.Sprintf("read daemonset %s: %v", u.GetName(), err)}
		}
		s := ds.Status
		if s.ObservedGeneration < gen {
			return "", []string{fmt.Sprintf("daemonset %s: the controller has not acted on the change yet (observed generation %d of %d)", ds.Name, s.ObservedGeneration, gen)}
		}
		problems = append(problems, rollout("daemonset "+ds.Name, s.DesiredNumberScheduled, s.UpdatedNumberScheduled, s.CurrentNumberScheduled, s.NumberAvailable)...)
		return fmt.Sprintf("daemonset %s rolled out: %d/%d pods updated and available", ds.Name, s.NumberAvailable, s.DesiredNumberScheduled), problems
	case "ReplicaSet":
		var rs appsv1.ReplicaSet
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &rs); err != nil {
			return "", []string{fmt.Sprintf("read replicaset %s: %v", u.GetName(), err)}
		}
		want, s := replicas(rs.Spec.Replicas), rs.Status
		if s.ObservedGeneration < gen {
			return "", []string{fmt.Sprintf("replicaset %s: the controller has not acted on the change yet (observed generation %d of %d)", rs.Name, s.ObservedGeneration, gen)}
		}
		problems = append(problems, rollout("replicaset "+rs.Name, want, want, s.Replicas, s.AvailableReplicas)...)
		return fmt.Sprintf("replicaset %s: %d/%d pods available", rs.Name, s.AvailableReplicas, want), problems
	}
	return "", nil
}

// rollout compares a workload's counts: all wanted pods updated, no old
// ones left, all updated ones available.
func rollout(what string, want, updated, total, available int32) []string {
	var out []string
	if updated < want {
		out = append(out, fmt.Sprintf("%s: %d of %d pods updated", what, updated, want))
	}
	if total > updated {
		out = append(out, fmt.Sprintf("%s: %d pods of the previous version still running", what, total-updated))
	}
	if available < want {
		out = append(out, fmt.Sprintf("%s: %d of %d pods available", what, available, want))
	}
	return out
}

func replicas(r *int32) int32 {
	if r == nil {
		return 1
	}
	return *r
}

// checkPods reports pods whose containers wait in CrashLoopBackOff (or
// another waiting reason) or that are not Ready, ignoring terminating
// pods, and returns each container's restart count for the settle check.
func checkPods(pods []corev1.Pod) (seen string, problems []string, restarts map[string]int32) {
	restarts = map[string]int32{}
	sorted := slices.Clone(pods)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	live := 0
	for _, p := range sorted {
		if p.DeletionTimestamp != nil || p.Status.Phase == corev1.PodSucceeded {
			continue
		}
		live++
		before := len(problems)
		for _, cs := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
			restarts[p.Name+"/"+cs.Name] = cs.RestartCount
			w := cs.State.Waiting
			switch {
			case w == nil:
			case w.Reason == "CrashLoopBackOff":
				exit := ""
				if t := cs.LastTerminationState.Terminated; t != nil {
					exit = fmt.Sprintf(", last exit code %d", t.ExitCode)
				}
				problems = append(problems, fmt.Sprintf("pod %s: container %s is in CrashLoopBackOff (%d restarts%s)", p.Name, cs.Name, cs.RestartCount, exit))
			case w.Reason != "ContainerCreating" && w.Reason != "PodInitializing":
				problems = append(problems, fmt.Sprintf("pod %s: container %s is waiting: %s", p.Name, cs.Name, w.Reason))
			}
		}
		// A pod whose container is in trouble is not Ready either: say it once.
		if len(problems) == before && !kube.PodReady(&p) {
			problems = append(problems, fmt.Sprintf("pod %s is not Ready (phase %s)", p.Name, p.Status.Phase))
		}
	}
	return fmt.Sprintf("%d pods Ready, no container crash-looping", live), problems, restarts
}

// risenRestarts lists containers whose restart count rose from before to now.
func risenRestarts(before, now map[string]int32) []string {
	var out []string
	for k, n := range now {
		if b, ok := before[k]; ok && n > b {
			out = append(out, fmt.Sprintf("%s restarted %d times while being watched", k, n-b))
		}
	}
	sort.Strings(out)
	return out
}

// checkEndpoints reports whether a Service has at least one ready endpoint.
func checkEndpoints(service string, slices []discoveryv1.EndpointSlice) (seen string, problems []string) {
	ready := 0
	for _, s := range slices {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready == nil || *e.Conditions.Ready {
				ready += len(e.Addresses)
			}
		}
	}
	if ready == 0 {
		return "", []string{fmt.Sprintf("service %s has no ready endpoints: no Ready pod matches its selector", service)}
	}
	return fmt.Sprintf("service %s has %d ready endpoints", service, ready), nil
}

// checkPVC reports whether a claim is Bound.
func checkPVC(pvc *corev1.PersistentVolumeClaim) (seen string, problems []string) {
	if pvc.Status.Phase != corev1.ClaimBound {
		return "", []string{fmt.Sprintf("persistentvolumeclaim %s is %s, not Bound", pvc.Name, pvc.Status.Phase)}
	}
	return fmt.Sprintf("persistentvolumeclaim %s is Bound to %s", pvc.Name, pvc.Spec.VolumeName), nil
}
