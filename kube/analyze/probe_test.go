package analyze

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
)

func httpProbe(port intstr.IntOrString) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: port}}}
}

func TestCheckProbePorts(t *testing.T) {
	pod := kube.ObjectRef{Kind: "Pod", Namespace: "shop", Name: "api-7d9f-x2x"}
	deploy := &kube.ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "api"}
	http8080 := []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
	tests := []struct {
		name      string
		change    func(*corev1.Container)
		owner     *kube.ObjectRef
		want      []kube.Finding
		wantPatch string
	}{
		{"declared number", func(c *corev1.Container) { c.Ports, c.ReadinessProbe = http8080, httpProbe(intstr.FromInt32(8080)) }, deploy, nil, ""},
		{"declared name", func(c *corev1.Container) { c.Ports, c.LivenessProbe = http8080, httpProbe(intstr.FromString("http")) }, deploy, nil, ""},
		{"no ports declared, a number", func(c *corev1.Container) { c.ReadinessProbe = httpProbe(intstr.FromInt32(9090)) }, deploy, nil, ""},
		{"exec probe", func(c *corev1.Container) {
			c.Ports = http8080
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
		}, deploy, nil, ""},
		{"undeclared number, one port: a proposal", func(c *corev1.Container) { c.Ports, c.ReadinessProbe = http8080, httpProbe(intstr.FromInt32(9090)) }, deploy, []kube.Finding{{
			Object: pod, Severity: kube.Warning, Reason: "ProbePortUndeclared", Owner: deploy,
			Message:  "The readiness probe of container api in pod api-7d9f-x2x aims at port 9090: port 9090 is not among the ports it declares (8080 (http))",
			Evidence: []string{"container: api", "readiness probe: http-get http://:9090/healthz", "declared ports: 8080 (http)"},
		}}, `{"spec":{"template":{"spec":{"containers":[{"name":"api","readinessProbe":{"httpGet":{"port":8080}}}]}}}}`},
		{"undeclared name: critical, the name kept", func(c *corev1.Container) {
			c.Ports = http8080
			c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("health")}}}
		}, deploy, []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "ProbePortUndeclared", Owner: deploy,
			Message:  `The liveness probe of container api in pod api-7d9f-x2x aims at port health: no port of the container is named "health", so the kubelet cannot resolve it and the probe always fails`,
			Evidence: []string{"container: api", "liveness probe: tcp-socket :health", "declared ports: 8080 (http)"},
		}}, `{"spec":{"template":{"spec":{"containers":[{"livenessProbe":{"tcpSocket":{"port":"http"}},"name":"api"}]}}}}`},
		{"undeclared name, no ports at all", func(c *corev1.Container) { c.StartupProbe = httpProbe(intstr.FromString("http")) }, deploy, []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "ProbePortUndeclared", Owner: deploy,
			Message:  `The startup probe of container api in pod api-7d9f-x2x aims at port http: no port of the container is named "http", so the kubelet cannot resolve it and the probe always fails`,
			Evidence: []string{"container: api", "startup probe: http-get http://:http/healthz", "declared ports: none"},
		}}, ""},
		{"two ports: no proposal", func(c *corev1.Container) {
			c.Ports = append(http8080, corev1.ContainerPort{Name: "metrics", ContainerPort: 9100})
			c.ReadinessProbe = httpProbe(intstr.FromInt32(9090))
		}, deploy, []kube.Finding{{
			Object: pod, Severity: kube.Warning, Reason: "ProbePortUndeclared", Owner: deploy,
			Message:  "The readiness probe of container api in pod api-7d9f-x2x aims at port 9090: port 9090 is not among the ports it declares (8080 (http), 9100 (metrics))",
			Evidence: []string{"container: api", "readiness probe: http-get http://:9090/healthz", "declared ports: 8080 (http), 9100 (metrics)"},
		}}, ""},
		{"a Job's pod: no proposal", func(c *corev1.Container) { c.Ports, c.ReadinessProbe = http8080, httpProbe(intstr.FromInt32(9090)) },
			&kube.ObjectRef{Kind: "Job", Namespace: "shop", Name: "api"}, []kube.Finding{{
				Object: pod, Severity: kube.Warning, Reason: "ProbePortUndeclared", Owner: &kube.ObjectRef{Kind: "Job", Namespace: "shop", Name: "api"},
				Message:  "The readiness probe of container api in pod api-7d9f-x2x aims at port 9090: port 9090 is not among the ports it declares (8080 (http))",
				Evidence: []string{"container: api", "readiness probe: http-get http://:9090/healthz", "declared ports: 8080 (http)"},
			}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPod(func(p *corev1.Pod) { tt.change(&p.Spec.Containers[0]) }, "api")
			got := checkProbePorts(p, tt.owner)
			if diff := cmp.Diff(tt.want, got, ignoreStatic, cmpopts.IgnoreFields(kube.Finding{}, "Proposal")); diff != "" {
				t.Errorf("checkProbePorts (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Docs == "" || f.Fix == "" {
					t.Errorf("finding %s has no docs link or fix hint", f.Reason)
				}
				switch {
				case tt.wantPatch == "" && f.Proposal != nil:
					t.Errorf("proposal %s, want none", f.Proposal.Patch)
				case tt.wantPatch != "" && f.Proposal == nil:
					t.Errorf("no proposal, want patch %s", tt.wantPatch)
				case tt.wantPatch != "":
					if string(f.Proposal.Patch) != tt.wantPatch || f.Proposal.Operation != kube.OpStrategicMerge || f.Proposal.Target != (kube.Target{Kind: "Deployment", Namespace: "shop", Name: "api"}) {
						t.Errorf("proposal %+v, want a strategic merge of %s on deployment api", f.Proposal, tt.wantPatch)
					}
					if err := f.Proposal.Validate(); err != nil || !json.Valid(f.Proposal.Patch) {
						t.Errorf("proposal invalid: %v", err)
					}
				}
			}
		})
	}
}

func unhealthy(pod, container, msg string, count int32) corev1.Event {
	return corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: "shop", Name: pod + ".x"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: pod, FieldPath: "spec.containers{" + container + "}"},
		Type:           corev1.EventTypeWarning, Reason: "Unhealthy", Message: msg, Count: count,
	}
}

func TestCheckProbeFailures(t *testing.T) {
	pod := kube.ObjectRef{Kind: "Pod", Namespace: "shop", Name: "api-7d9f-x2x"}
	readinessMsg := `Readiness probe failed: Get "http://10.244.0.7:9090/healthz": dial tcp 10.244.0.7:9090: connect: connection refused`
	livenessMsg := `Liveness probe errored and resulted in unknown state: port "health" not found`
	notReady := func(p *corev1.Pod) {
		p.Spec.Containers[0].ReadinessProbe = httpProbe(intstr.FromInt32(9090))
		p.Status.ContainerStatuses[0].Ready = false
	}
	restarted := func(p *corev1.Pod) {
		p.Spec.Containers[0].LivenessProbe = httpProbe(intstr.FromString("health"))
		p.Status.ContainerStatuses[0].RestartCount = 4
		p.Status.ContainerStatuses[0].LastTerminationState = terminated(137, "Error")
	}
	tests := []struct {
		name   string
		change func(*corev1.Pod)
		events []corev1.Event
		want   []kube.Finding
	}{
		{"no events", notReady, nil, nil},
		{"readiness failing", notReady, []corev1.Event{unhealthy("api-7d9f-x2x", "api", readinessMsg, 12)}, []kube.Finding{{
			Object: pod, Severity: kube.Warning, Reason: "ProbeFailing",
			Message:  "The readiness probe of container api in pod api-7d9f-x2x fails, so the pod is not Ready and Services send it no traffic: " + readinessMsg,
			Evidence: []string{"container: api", "readiness probe: http-get http://:9090/healthz", "event Unhealthy (×12): " + readinessMsg, "ready: false"},
		}}},
		{"readiness failed once, Ready now", func(p *corev1.Pod) { p.Spec.Containers[0].ReadinessProbe = httpProbe(intstr.FromInt32(9090)) },
			[]corev1.Event{unhealthy("api-7d9f-x2x", "api", readinessMsg, 1)}, nil},
		{"event of another pod", notReady, []corev1.Event{unhealthy("api-7d9f-zzz", "api", readinessMsg, 1)}, nil},
		{"event of another container", notReady, []corev1.Event{unhealthy("api-7d9f-x2x", "sidecar", readinessMsg, 1)}, nil},
		{"liveness failing, restarted", restarted, []corev1.Event{unhealthy("api-7d9f-x2x", "api", livenessMsg, 4)}, []kube.Finding{{
			Object: pod, Severity: kube.Critical, Reason: "ProbeFailing",
			Message:  "The liveness probe of container api in pod api-7d9f-x2x fails, and the kubelet has restarted it 4 times: " + livenessMsg,
			Evidence: []string{"container: api", "liveness probe: http-get http://:health/healthz", "event Unhealthy (×4): " + livenessMsg, "restartCount: 4", "lastState.terminated: exitCode=137 reason=Error"},
		}}},
		{"liveness event, not restarted yet", func(p *corev1.Pod) { p.Spec.Containers[0].LivenessProbe = httpProbe(intstr.FromString("health")) },
			[]corev1.Event{unhealthy("api-7d9f-x2x", "api", livenessMsg, 1)}, nil},
		{"pending pod", func(p *corev1.Pod) { notReady(p); p.Status.Phase = corev1.PodPending },
			[]corev1.Event{unhealthy("api-7d9f-x2x", "api", readinessMsg, 1)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkProbeFailures(testPod(tt.change, "api"), tt.events)
			if diff := cmp.Diff(tt.want, got, ignoreStatic); diff != "" {
				t.Errorf("checkProbeFailures (-want +got):\n%s", diff)
			}
			for _, f := range got {
				if f.Docs == "" || f.Fix == "" {
					t.Errorf("finding %s has no docs link or fix hint", f.Reason)
				}
			}
		})
	}
}

// scenarioFindings loads scenario name into a new namespace and waits until
// the analyzers report reason about an object of kind; it returns those
// findings.
func scenarioFindings(t *testing.T, name, kind, reason string) (string, []kube.Finding) {
	t.Helper()
	scenarios, err := demo.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(scenarios, func(s demo.Scenario) bool { return s.Name == name })
	if i < 0 {
		t.Fatalf("no scenario %s", name)
	}
	objs, err := demo.SplitYAML(scenarios[i].Manifests)
	if err != nil {
		t.Fatal(err)
	}
	ns := plane.Namespace(t)
	plane.CreateObjects(t, ns, objs)
	r := newReader(t)
	var got []kube.Finding
	kubetest.Eventually(t, 90*time.Second, reason+" in "+name, func() (bool, error) {
		fs, err := Run(t.Context(), r, Scope{Namespace: ns})
		got = got[:0]
		for _, f := range fs {
			if f.Object.Kind == kind && f.Reason == reason {
				got = append(got, f)
			}
		}
		return len(got) > 0, err
	})
	return ns, got
}

// The ProbePortUndeclared proposal, applied on the plane, is the fix: the
// workload's new pods are Ready and the probe findings are gone.
func TestProbePortProposalFixesTheScenario(t *testing.T) {
	t.Parallel()
	ns, fs := scenarioFindings(t, "probe-readiness-port", "Pod", "ProbePortUndeclared")
	prop := fs[0].Proposal
	if prop == nil || prop.Target != (kube.Target{Kind: "Deployment", Namespace: ns, Name: "catalog"}) {
		t.Fatalf("proposal %+v, want a patch of deployment catalog", prop)
	}
	f := newFixer(t)
	p, err := f.Preview(t.Context(), *prop)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Diff, "-            port: 9090\n+            port: 8080\n") {
		t.Errorf("diff does not move the probe from 9090 to 8080:\n%s", p.Diff)
	}
	a, err := f.Apply(t.Context(), *p, fixer.Identity{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.Verify(t.Context(), a, fixer.VerifyOptions{Timeout: 45 * time.Second, Settle: 3 * time.Second, Interval: 250 * time.Millisecond})
	if err != nil || !v.Verified {
		t.Fatalf("not verified: %v %v", err, v.Problems)
	}
	fs, err = Run(t.Context(), newReader(t), Scope{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Severity != kube.Info {
			t.Errorf("after the fix: %s %s %s", f.Object, f.Reason, f.Message)
		}
	}
}
