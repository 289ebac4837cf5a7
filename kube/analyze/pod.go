package analyze

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// podAnalyzer diagnoses pods whose containers cannot run.
type podAnalyzer struct{}

var _ Analyzer = podAnalyzer{}

const logEvidenceLines = 5

func (podAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	pods, err := src.Pods(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	rss, err := src.ReplicaSets(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	owners := replicaSetOwners(rss)
	var out []kube.Finding
	for i := range pods {
		p := &pods[i]
		owner := podOwner(p, owners)
		for _, f := range checkPod(p) {
			f.Owner = owner
			if f.Reason == "CrashLoopBackOff" {
				f.Evidence = append(f.Evidence, lastLogLines(ctx, src, p, findingContainer(f), true)...)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// findingContainer reads back which container a pod finding is about.
func findingContainer(f kube.Finding) string {
	for _, e := range f.Evidence {
		if c, ok := strings.CutPrefix(e, "container: "); ok {
			return c
		}
	}
	return ""
}

// lastLogLines returns the tail of a container's log as evidence lines:
// its previous run's (a crashed container) or its current one's.
func lastLogLines(ctx context.Context, src Source, p *corev1.Pod, container string, previous bool) []string {
	out, err := src.Logs(ctx, kube.LogsRequest{Namespace: p.Namespace, Pod: p.Name, Container: container, Previous: previous, Tail: logEvidenceLines, MaxBytes: 2048})
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
func checkPod(p *corev1.Pod) []kube.Finding {
	ref := kube.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
	var out []kube.Finding
	if p.Status.Phase == corev1.PodPending {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				out = append(out, kube.Finding{
					Object: ref, Severity: kube.Critical, Reason: "Unschedulable",
					Message:  fmt.Sprintf("Pod %s cannot be scheduled: %s", p.Name, c.Message),
					Evidence: []string{"condition PodScheduled=False: " + c.Message},
					Docs:     "https://kubernetes.io/docs/concepts/scheduling-eviction/",
					Fix:      "Relax the pod's nodeSelector/affinity or resource requests, or add a node that satisfies them.",
				})
			}
		}
	}
	if p.Status.Phase == corev1.PodFailed && p.Status.Reason == "Evicted" {
		out = append(out, kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "Evicted",
			Message:  fmt.Sprintf("Pod %s was evicted: %s", p.Name, p.Status.Message),
			Evidence: []string{"status.reason: Evicted", "status.message: " + p.Status.Message},
			Docs:     "https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/",
			Fix:      "Check the node's pressure conditions and the pod's resource requests.",
		})
	}
	// Init containers first: a failing one (Init:CrashLoopBackOff,
	// Init:ImagePullBackOff …) keeps the others from ever starting.
	for _, cs := range p.Status.InitContainerStatuses {
		if f, ok := checkContainer(ref, cs, containerSpec(p.Spec.InitContainers, cs.Name), true); ok {
			out = append(out, f)
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		if f, ok := checkContainer(ref, cs, containerSpec(p.Spec.Containers, cs.Name), false); ok {
			out = append(out, f)
		}
	}
	return out
}

func containerSpec(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

// checkContainer is the rule for one container's status; spec is its spec
// (nil if the pod has none by that name), init whether it is an init
// container, which the pod's others wait for.
func checkContainer(ref kube.ObjectRef, cs corev1.ContainerStatus, spec *corev1.Container, init bool) (kube.Finding, bool) {
	base := []string{"container: " + cs.Name, fmt.Sprintf("restartCount: %d", cs.RestartCount)}
	what, blocks := "Container", ""
	if init {
		what, blocks = "Init container", "; the pod's other containers cannot start until it succeeds"
		base = append(base, "init container: the pod waits for it")
	}
	last := cs.LastTerminationState.Terminated
	w := cs.State.Waiting
	switch {
	case w != nil && w.Reason == "CrashLoopBackOff":
		msg := fmt.Sprintf("%s %s of pod %s is in CrashLoopBackOff (restarted %d times)", what, cs.Name, ref.Name, cs.RestartCount)
		ev := base
		if last != nil {
			msg += fmt.Sprintf("; it last exited with code %d (%s)", last.ExitCode, last.Reason)
			ev = append(ev, fmt.Sprintf("lastState.terminated: exitCode=%d reason=%s", last.ExitCode, last.Reason))
		}
		if last != nil && last.Reason == "OOMKilled" {
			return oomFinding(ref, cs, spec, ev), true
		}
		return kube.Finding{
			Object: ref, Severity: kube.Critical, Reason: "CrashLoopBackOff", Message: msg + blocks, Evidence: ev,
			Docs: "https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/#my-pod-keeps-crashing-or-is-otherwise-unhealthy",
			Fix:  "Read the previous container's logs for the error it exits with, then correct the configuration (env, args, ConfigMap) it names.",
		}, true
	case w != nil && (w.Reason == "ImagePullBackOff" || w.Reason == "ErrImagePull" || w.Reason == "InvalidImageName"):
		image := cs.Image
		if spec != nil {
			image = spec.Image // the status may show what the runtime resolved
		}
		return kube.Finding{
			Object: ref, Severity: kube.Critical, Reason: w.Reason,
			Message:  fmt.Sprintf("%s %s of pod %s cannot pull its image %q: %s%s", what, cs.Name, ref.Name, image, w.Message, blocks),
			Evidence: append(base, "image: "+image, "waiting: "+w.Message),
			Docs:     "https://kubernetes.io/docs/concepts/containers/images/",
			Fix:      pullFix(w.Message),
		}, true
	case w != nil && (w.Reason == "CreateContainerConfigError" || w.Reason == "CreateContainerError"):
		f := kube.Finding{
			Object: ref, Severity: kube.Critical, Reason: w.Reason,
			Message:  fmt.Sprintf("%s %s of pod %s cannot be created: %s%s", what, cs.Name, ref.Name, w.Message, blocks),
			Evidence: append(base, "waiting: "+w.Message),
			Docs:     "https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/",
			Fix:      "Create the missing ConfigMap/Secret or key it names, or fix the reference in the pod spec.",
		}
		if m, ok := parseMissingConfig(w.Message, ref.Namespace); ok {
			f.Message = fmt.Sprintf("%s %s of pod %s cannot be created: %s%s", what, cs.Name, ref.Name, m.sentence(), blocks)
			f.Evidence = append(f.Evidence, "missing: "+m.String())
			f.Fix = m.fix()
		}
		return f, true
	case last != nil && last.Reason == "OOMKilled" && cs.RestartCount > 0:
		return oomFinding(ref, cs, spec, base), true
	}
	return kube.Finding{}, false
}

func oomFinding(ref kube.ObjectRef, cs corev1.ContainerStatus, spec *corev1.Container, ev []string) kube.Finding {
	fix := "Raise the container's memory limit, or reduce the workload's memory use."
	if spec != nil {
		if lim, ok := spec.Resources.Limits[corev1.ResourceMemory]; ok {
			ev = append(ev, "limits.memory: "+lim.String())
			fix = fmt.Sprintf("Raise the container's memory limit above what it uses (now %s), or reduce the workload's memory use.", lim.String())
		}
	}
	return kube.Finding{
		Object: ref, Severity: kube.Critical, Reason: "OOMKilled",
		Message:  fmt.Sprintf("Container %s of pod %s was killed for using more memory than its limit", cs.Name, ref.Name),
		Evidence: ev,
		Docs:     "https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/",
		Fix:      fix,
	}
}

// pullFix says what to correct, from the pull error.
func pullFix(msg string) string {
	switch {
	case strings.Contains(msg, "no such host"):
		return "The image's registry host does not resolve: correct the registry in the image name."
	case strings.Contains(msg, "not found") || strings.Contains(msg, "manifest unknown"):
		return "The registry has no such image: correct the repository or the tag."
	case strings.Contains(msg, "unauthorized") || strings.Contains(msg, "denied"):
		return "The registry refused the pull: add imagePullSecrets with credentials that may read the image."
	}
	return "Correct the image name or tag, or add imagePullSecrets for a private registry."
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
func podOwner(p *corev1.Pod, rsOwners map[string]string) *kube.ObjectRef {
	for _, o := range p.OwnerReferences {
		if o.Controller == nil || !*o.Controller {
			continue
		}
		if o.Kind == "ReplicaSet" {
			if d, ok := rsOwners[p.Namespace+"/"+o.Name]; ok {
				return &kube.ObjectRef{Kind: "Deployment", Namespace: p.Namespace, Name: d}
			}
		}
		return &kube.ObjectRef{Kind: o.Kind, Namespace: p.Namespace, Name: o.Name}
	}
	return nil
}

// missingConfig is what a CreateContainerConfigError says is missing.
type missingConfig struct {
	Kind, Namespace, Name, Key string
}

func (m missingConfig) String() string {
	if m.Key != "" {
		return fmt.Sprintf("key %q in %s %s/%s", m.Key, m.Kind, m.Namespace, m.Name)
	}
	return fmt.Sprintf("%s %s/%s", m.Kind, m.Namespace, m.Name)
}

func (m missingConfig) sentence() string {
	if m.Key != "" {
		return fmt.Sprintf("%s %s/%s has no key %q", m.Kind, m.Namespace, m.Name, m.Key)
	}
	return fmt.Sprintf("%s %q does not exist in namespace %s", m.Kind, m.Name, m.Namespace)
}

func (m missingConfig) fix() string {
	if m.Key != "" {
		return fmt.Sprintf("Add key %q to %s %s, or reference a key it has (the name is case-sensitive).", m.Key, m.Kind, m.Name)
	}
	return fmt.Sprintf("Create %s %s in namespace %s, or correct the name the pod's env/envFrom refers to.", m.Kind, m.Name, m.Namespace)
}

var (
	reMissingObject = regexp.MustCompile(`^(configmap|secret)s? "([^"]+)" not found`)
	reMissingKey    = regexp.MustCompile(`^couldn't find key (\S+) in (ConfigMap|Secret) ([^/\s]+)/(\S+)`)
)

// parseMissingConfig reads the kubelet's messages: `configmap "x" not
// found`, `secret "x" not found`, `couldn't find key K in ConfigMap ns/x`.
func parseMissingConfig(msg, ns string) (missingConfig, bool) {
	if m := reMissingObject.FindStringSubmatch(msg); m != nil {
		kind := "ConfigMap"
		if m[1] == "secret" {
			kind = "Secret"
		}
		return missingConfig{Kind: kind, Namespace: ns, Name: m[2]}, true
	}
	if m := reMissingKey.FindStringSubmatch(msg); m != nil {
		return missingConfig{Kind: m[2], Namespace: m[3], Name: m[4], Key: m[1]}, true
	}
	return missingConfig{}, false
}
