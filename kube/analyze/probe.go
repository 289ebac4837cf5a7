package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubertnetes/kubertnetes/kube"
)

// probeAnalyzer diagnoses probes: ones that fail (the kubelet's Unhealthy
// events on a pod that is not Ready, or that it restarts), and ones aimed
// at a port the container does not declare — a spec mistake that shows
// before any event does.
type probeAnalyzer struct{}

var _ Analyzer = probeAnalyzer{}

const probeDocs = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"

func (probeAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	pods, err := src.Pods(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	rss, err := src.ReplicaSets(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	evs, err := src.EventsWithReason(ctx, s.Namespace, "Unhealthy")
	if err != nil {
		return nil, err
	}
	byPod := map[string][]corev1.Event{}
	for _, e := range evs {
		if e.InvolvedObject.Kind == "Pod" {
			k := e.Namespace + "/" + e.InvolvedObject.Name
			byPod[k] = append(byPod[k], e)
		}
	}
	owners := replicaSetOwners(rss)
	sorted := make([]*corev1.Pod, 0, len(pods))
	for i := range pods {
		sorted = append(sorted, &pods[i])
	}
	sort.Slice(sorted, func(i, j int) bool {
		return sorted[i].Namespace+"/"+sorted[i].Name < sorted[j].Namespace+"/"+sorted[j].Name
	})
	seen := map[string]bool{} // owner/container/probe: a spec mistake is reported once per workload
	var out []kube.Finding
	for _, p := range sorted {
		owner := podOwner(p, owners)
		for _, f := range checkProbePorts(p, owner) {
			key := f.Object.Namespace + "/" + f.Object.Name + "/" + findingContainer(f) + "/" + f.Evidence[1]
			if owner != nil {
				key = owner.String() + "/" + findingContainer(f) + "/" + f.Evidence[1]
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, f)
			}
		}
		for _, f := range checkProbeFailures(p, byPod[p.Namespace+"/"+p.Name]) {
			f.Owner = owner
			out = append(out, f)
		}
	}
	return out, nil
}

// probeKinds are a container's probes, by the name the kubelet's events use.
func probeKinds(c *corev1.Container) []struct {
	kind  string
	probe *corev1.Probe
} {
	return []struct {
		kind  string
		probe *corev1.Probe
	}{{"Readiness", c.ReadinessProbe}, {"Liveness", c.LivenessProbe}, {"Startup", c.StartupProbe}}
}

// checkProbePorts is the pure spec rule: an httpGet or tcpSocket probe
// whose port is a name the container does not declare (the kubelet cannot
// resolve it: the probe always fails), or a number it does not declare
// while it declares others (most likely the wrong port). When the
// container declares exactly one port and the pod has a workload owner, the
// proposal points the probe at it.
func checkProbePorts(p *corev1.Pod, owner *kube.ObjectRef) []kube.Finding {
	ref := kube.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
	var out []kube.Finding
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		for _, pk := range probeKinds(c) {
			port, field := probePort(pk.probe)
			if port == nil || portDeclared(c, *port) {
				continue
			}
			declared := declaredPorts(c)
			sev, why := kube.Warning, fmt.Sprintf("port %s is not among the ports it declares (%s)", port.String(), strings.Join(declared, ", "))
			if port.Type == intstr.String {
				sev, why = kube.Critical, fmt.Sprintf("no port of the container is named %q, so the kubelet cannot resolve it and the probe always fails", port.StrVal)
			} else if len(declared) == 0 {
				continue // a container that declares no ports may listen anywhere
			}
			if len(declared) == 0 {
				declared = []string{"none"}
			}
			f := kube.Finding{
				Object: ref, Severity: sev, Reason: "ProbePortUndeclared", Owner: owner,
				Message: fmt.Sprintf("The %s probe of container %s in pod %s aims at port %s: %s", strings.ToLower(pk.kind), c.Name, p.Name, port.String(), why),
				Evidence: []string{
					"container: " + c.Name,
					fmt.Sprintf("%s probe: %s", strings.ToLower(pk.kind), describeProbe(pk.probe)),
					"declared ports: " + strings.Join(declared, ", "),
				},
				Docs: probeDocs,
				Fix:  fmt.Sprintf("Point the %s probe's %s.port at a port the container listens on and declares, or declare that port under ports.", strings.ToLower(pk.kind), field),
			}
			if len(c.Ports) == 1 {
				f.Proposal = probePortProposal(owner, c, pk.kind, field, *port)
				if f.Proposal != nil {
					f.Fix = fmt.Sprintf("Set the %s probe's %s.port to %s, the only port the container declares.", strings.ToLower(pk.kind), field, portString(portValue(c.Ports[0], *port)))
				}
			}
			out = append(out, f)
		}
	}
	return out
}

// probePort is the port an httpGet or tcpSocket probe connects to.
func probePort(pr *corev1.Probe) (*intstr.IntOrString, string) {
	switch {
	case pr == nil:
		return nil, ""
	case pr.HTTPGet != nil:
		return &pr.HTTPGet.Port, "httpGet"
	case pr.TCPSocket != nil:
		return &pr.TCPSocket.Port, "tcpSocket"
	}
	return nil, ""
}

func portDeclared(c *corev1.Container, port intstr.IntOrString) bool {
	for _, p := range c.Ports {
		if port.Type == intstr.String && p.Name == port.StrVal || port.Type == intstr.Int && p.ContainerPort == port.IntVal {
			return true
		}
	}
	return false
}

func declaredPorts(c *corev1.Container) []string {
	var out []string
	for _, p := range c.Ports {
		if p.Name != "" {
			out = append(out, fmt.Sprintf("%d (%s)", p.ContainerPort, p.Name))
		} else {
			out = append(out, fmt.Sprint(p.ContainerPort))
		}
	}
	return out
}

// portValue keeps the probe's style: a name when it used one and the port
// has one, else the number.
func portValue(p corev1.ContainerPort, was intstr.IntOrString) intstr.IntOrString {
	if was.Type == intstr.String && p.Name != "" {
		return intstr.FromString(p.Name)
	}
	return intstr.FromInt32(p.ContainerPort)
}

func portString(p intstr.IntOrString) string { return p.String() }

// probePortProposal is a strategic merge patch on the workload setting the
// probe's port to the container's only declared port. Pods' own probes
// cannot be changed, nor can a Job's template: no proposal for those.
func probePortProposal(owner *kube.ObjectRef, c *corev1.Container, kind, field string, was intstr.IntOrString) *kube.Fix {
	if owner == nil || (owner.Kind != "Deployment" && owner.Kind != "StatefulSet" && owner.Kind != "DaemonSet") {
		return nil
	}
	to := portValue(c.Ports[0], was)
	probeField := strings.ToLower(kind[:1]) + kind[1:] + "Probe"
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": c.Name, probeField: map[string]any{field: map[string]any{"port": to}}}},
	}}}})
	if err != nil {
		return nil
	}
	effect := "its new pods become Ready"
	if kind != "Readiness" {
		effect = "its new pods stop being restarted"
	}
	return &kube.Fix{
		Target: kube.Target{Kind: owner.Kind, Namespace: owner.Namespace, Name: owner.Name}, Operation: kube.OpStrategicMerge, Patch: patch,
		Rationale: fmt.Sprintf("The %s probe of container %s aims at port %s, which the container does not declare; it declares only %s.", strings.ToLower(kind), c.Name, was.String(), declaredPorts(c)[0]),
		Risk:      fmt.Sprintf("The %s rolls out new pods.", strings.ToLower(owner.Kind)),
		Expected:  fmt.Sprintf("%s's probe succeeds: %s", owner.Name, effect),
	}
}

// describeProbe says what a probe checks, like kubectl describe.
func describeProbe(pr *corev1.Probe) string {
	switch {
	case pr.HTTPGet != nil:
		return fmt.Sprintf("http-get %s://%s:%s%s", strings.ToLower(orDefault(string(pr.HTTPGet.Scheme), "HTTP")), pr.HTTPGet.Host, pr.HTTPGet.Port.String(), pr.HTTPGet.Path)
	case pr.TCPSocket != nil:
		return fmt.Sprintf("tcp-socket %s:%s", pr.TCPSocket.Host, pr.TCPSocket.Port.String())
	case pr.Exec != nil:
		return fmt.Sprintf("exec %v", pr.Exec.Command)
	case pr.GRPC != nil:
		return fmt.Sprintf("grpc :%d", pr.GRPC.Port)
	}
	return "(no handler)"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkProbeFailures is the pure rule over a pod and its Unhealthy events:
// a readiness probe failing on a running container that is not Ready (no
// Service sends it traffic), a liveness or startup probe failing on a
// container the kubelet has restarted.
func checkProbeFailures(p *corev1.Pod, unhealthy []corev1.Event) []kube.Finding {
	if p.Status.Phase != corev1.PodRunning || len(unhealthy) == 0 {
		return nil
	}
	ref := kube.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
	var out []kube.Finding
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		var st *corev1.ContainerStatus
		for j := range p.Status.ContainerStatuses {
			if p.Status.ContainerStatuses[j].Name == c.Name {
				st = &p.Status.ContainerStatuses[j]
			}
		}
		if st == nil {
			continue
		}
		for _, pk := range probeKinds(c) {
			if pk.probe == nil {
				continue
			}
			ev, count := probeEvent(unhealthy, p, c.Name, pk.kind)
			if ev == nil {
				continue
			}
			failing := pk.kind == "Readiness" && !st.Ready && st.State.Running != nil || pk.kind != "Readiness" && st.RestartCount > 0
			if !failing {
				continue
			}
			f := kube.Finding{
				Object: ref, Reason: "ProbeFailing", Docs: probeDocs,
				Evidence: []string{
					"container: " + c.Name,
					fmt.Sprintf("%s probe: %s", strings.ToLower(pk.kind), describeProbe(pk.probe)),
					fmt.Sprintf("event Unhealthy (×%d): %s", count, ev.Message),
				},
			}
			if pk.kind == "Readiness" {
				f.Severity = kube.Warning
				f.Message = fmt.Sprintf("The readiness probe of container %s in pod %s fails, so the pod is not Ready and Services send it no traffic: %s", c.Name, p.Name, ev.Message)
				f.Evidence = append(f.Evidence, "ready: false")
				f.Fix = "Make the probe match the app: the port and path it serves, or a longer initialDelaySeconds/timeoutSeconds if it starts slowly; fix the app if it is really unhealthy."
			} else {
				f.Severity = kube.Critical
				f.Message = fmt.Sprintf("The %s probe of container %s in pod %s fails, and the kubelet has restarted it %d times: %s", strings.ToLower(pk.kind), c.Name, p.Name, st.RestartCount, ev.Message)
				f.Evidence = append(f.Evidence, fmt.Sprintf("restartCount: %d", st.RestartCount))
				if t := st.LastTerminationState.Terminated; t != nil {
					f.Evidence = append(f.Evidence, fmt.Sprintf("lastState.terminated: exitCode=%d reason=%s", t.ExitCode, t.Reason))
				}
				f.Fix = "Make the probe match the app (port, path, timing: initialDelaySeconds, periodSeconds, failureThreshold), or use a startup probe for a slow start; a failing liveness probe restarts a healthy app forever."
			}
			out = append(out, f)
		}
	}
	return out
}

// probeEvent is the newest Unhealthy event of one probe of a container of
// p, and how many times the kubelet reported it.
func probeEvent(evs []corev1.Event, p *corev1.Pod, container, kind string) (*corev1.Event, int32) {
	var newest *corev1.Event
	var count int32
	for i := range evs {
		e := &evs[i]
		if e.InvolvedObject.Name != p.Name || (e.InvolvedObject.UID != "" && e.InvolvedObject.UID != p.UID) {
			continue
		}
		if fp := e.InvolvedObject.FieldPath; fp != "" && fp != "spec.containers{"+container+"}" {
			continue
		}
		if !strings.HasPrefix(e.Message, kind+" probe ") {
			continue
		}
		count += max(e.Count, 1)
		if newest == nil || kube.EventTime(*e).After(kube.EventTime(*newest)) {
			newest = e
		}
	}
	return newest, count
}
