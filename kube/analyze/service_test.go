package analyze

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
)

// svcTestPod is a pod of namespace shop with labels, container ports and
// readiness.
func svcTestPod(name string, lbls map[string]string, ready bool, ports ...corev1.ContainerPort) corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: lbls},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Ports: ports}}},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status, Reason: "ContainersNotReady"}},
		},
	}
}

func svcTestService(sel map[string]string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}, Spec: corev1.ServiceSpec{Selector: sel, Ports: ports}}
}

func svcTestSlice(ready ...bool) []discoveryv1.EndpointSlice {
	s := discoveryv1.EndpointSlice{}
	for _, r := range ready {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{"10.0.0.1"}, Conditions: discoveryv1.EndpointConditions{Ready: &r}})
	}
	return []discoveryv1.EndpointSlice{s}
}

func TestCheckService(t *testing.T) {
	httpPort := corev1.ContainerPort{Name: "http", ContainerPort: 8080}
	port80 := corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}
	web := map[string]string{"app": "webserver"}
	tests := []struct {
		name   string
		svc    *corev1.Service
		pods   []corev1.Pod
		slices []discoveryv1.EndpointSlice
		reason string // "" means no finding
		// evidence lines the finding must have
		evidence []string
		// patch is the proposal's patch; "" means no proposal
		patch string
	}{
		{
			name: "healthy", svc: svcTestService(web, port80),
			pods: []corev1.Pod{svcTestPod("web-1", web, true, httpPort)}, slices: svcTestSlice(true),
		},
		{
			name: "no selector: endpoints by hand", svc: svcTestService(nil, port80),
		},
		{
			name: "value near miss", svc: svcTestService(map[string]string{"app": "web-server"}, port80),
			pods:     []corev1.Pod{svcTestPod("web-1", web, true, httpPort), svcTestPod("api-1", map[string]string{"app": "api"}, true)},
			reason:   "ServiceSelectorMatchesNothing",
			evidence: []string{"selector: app=web-server", "pods in shop labelled app=api (1), app=webserver (1)", "near miss: app=webserver selects 1 pod(s)"},
			patch:    `{"spec":{"selector":{"app":"webserver"}}}`,
		},
		{
			name: "key near miss", svc: svcTestService(map[string]string{"ap": "webserver"}, port80),
			pods:   []corev1.Pod{svcTestPod("web-1", web, true, httpPort)},
			reason: "ServiceSelectorMatchesNothing",
			patch:  `{"spec":{"selector":{"ap":null,"app":"webserver"}}}`,
		},
		{
			name: "ambiguous near miss: no proposal", svc: svcTestService(map[string]string{"app": "web"}, port80),
			pods:     []corev1.Pod{svcTestPod("a", map[string]string{"app": "web1"}, true), svcTestPod("b", map[string]string{"app": "web2"}, true)},
			reason:   "ServiceSelectorMatchesNothing",
			evidence: []string{"pods in shop labelled app=web1 (1), app=web2 (1)"},
		},
		{
			name: "far from anything: no proposal", svc: svcTestService(map[string]string{"app": "payments"}, port80),
			pods:   []corev1.Pod{svcTestPod("web-1", web, true, httpPort)},
			reason: "ServiceSelectorMatchesNothing",
		},
		{
			name: "labels split over pods", svc: svcTestService(map[string]string{"app": "web", "tier": "db"}, port80),
			pods:     []corev1.Pod{svcTestPod("a", map[string]string{"app": "web"}, true), svcTestPod("b", map[string]string{"tier": "db"}, true)},
			reason:   "ServiceSelectorMatchesNothing",
			evidence: []string{"each label of the selector is on some pod, but no pod has all of them"},
		},
		{
			name: "no pods at all", svc: svcTestService(web, port80),
			reason: "ServiceSelectorMatchesNothing", evidence: []string{"pods in shop: none"},
		},
		{
			name: "finished pods do not count", svc: svcTestService(web, port80),
			pods: []corev1.Pod{func() corev1.Pod {
				p := svcTestPod("job", web, false, httpPort)
				p.Status.Phase = corev1.PodSucceeded
				return p
			}()},
			reason: "ServiceSelectorMatchesNothing",
		},
		{
			name: "named targetPort missing, one declared port", svc: svcTestService(web, corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("web")}),
			pods:     []corev1.Pod{svcTestPod("web-1", web, false, httpPort)},
			reason:   "ServiceTargetPortMissing",
			evidence: []string{"port http (80): targetPort web/TCP", "ports the 1 selected pod(s) declare: http (8080/TCP)"},
			patch:    `{"spec":{"ports":[{"name":"http","port":80,"targetPort":"http"}]}}`,
		},
		{
			name: "number not declared", svc: svcTestService(web, corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(9090)}),
			pods:   []corev1.Pod{svcTestPod("web-1", web, true, corev1.ContainerPort{ContainerPort: 8080})},
			reason: "ServiceTargetPortMissing",
			patch:  `{"spec":{"ports":[{"port":80,"targetPort":8080}]}}`,
		},
		{
			name: "unset targetPort means the port", svc: svcTestService(web, corev1.ServicePort{Port: 8080}),
			pods: []corev1.Pod{svcTestPod("web-1", web, true, httpPort)}, slices: svcTestSlice(true),
		},
		{
			name: "pods declare no port: a number is not judged", svc: svcTestService(web, corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(9090)}),
			pods: []corev1.Pod{svcTestPod("web-1", web, true)}, slices: svcTestSlice(true),
		},
		{
			name: "two declared ports: no proposal", svc: svcTestService(web, corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("web")}),
			pods:   []corev1.Pod{svcTestPod("web-1", web, true, httpPort, corev1.ContainerPort{Name: "metrics", ContainerPort: 9100})},
			reason: "ServiceTargetPortMissing",
		},
		{
			name: "protocol must match", svc: svcTestService(web, corev1.ServicePort{Port: 53, TargetPort: intstr.FromInt32(53), Protocol: corev1.ProtocolUDP}),
			pods:   []corev1.Pod{svcTestPod("dns", web, true, corev1.ContainerPort{ContainerPort: 53})},
			reason: "ServiceTargetPortMissing",
		},
		{
			name: "no ready pod", svc: svcTestService(web, port80),
			pods: []corev1.Pod{func() corev1.Pod {
				p := svcTestPod("web-1", web, false, httpPort)
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
				return p
			}()},
			slices:   svcTestSlice(false),
			reason:   "ServiceNoEndpoints",
			evidence: []string{"selector: app=webserver", "endpoints: 0 ready, 1 pod(s) selected", "pod web-1: phase Running, Ready=False (ContainersNotReady), container app waiting: CrashLoopBackOff"},
		},
		{
			name: "ready pod, slice not updated yet", svc: svcTestService(web, port80),
			pods: []corev1.Pod{svcTestPod("web-1", web, true, httpPort)},
		},
		{
			name: "external name", svc: func() *corev1.Service {
				s := svcTestService(map[string]string{"app": "x"})
				s.Spec.Type = corev1.ServiceTypeExternalName
				return s
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkService(tt.svc, tt.pods, tt.slices, nil)
			if tt.reason == "" {
				if len(got) != 0 {
					t.Fatalf("got %+v, want no finding", got)
				}
				return
			}
			if len(got) != 1 || got[0].Reason != tt.reason {
				t.Fatalf("got %+v, want one %s finding", got, tt.reason)
			}
			f := got[0]
			if f.Object != (kube.ObjectRef{Kind: "Service", Namespace: "shop", Name: "web"}) || f.Severity != kube.Warning || f.Docs == "" || f.Fix == "" || !strings.Contains(f.Message, "Service web") {
				t.Errorf("finding = %+v", f)
			}
			for _, e := range tt.evidence {
				if !slices.Contains(f.Evidence, e) {
					t.Errorf("evidence %q lacks %q", f.Evidence, e)
				}
			}
			switch {
			case tt.patch == "" && f.Proposal != nil:
				t.Errorf("unexpected proposal %s", f.Proposal.Patch)
			case tt.patch != "" && f.Proposal == nil:
				t.Errorf("no proposal, want patch %s", tt.patch)
			case tt.patch != "":
				if diff := cmp.Diff(tt.patch, compactJSON(t, f.Proposal.Patch)); diff != "" {
					t.Errorf("patch (-want +got):\n%s", diff)
				}
				if err := f.Proposal.Validate(); err != nil || f.Proposal.Operation != kube.OpMergePatch || f.Proposal.Target != (kube.Target{Kind: "Service", Namespace: "shop", Name: "web"}) {
					t.Errorf("proposal %+v: %v", f.Proposal, err)
				}
			}
		})
	}
}

func compactJSON(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func TestServiceNoEndpointsOwner(t *testing.T) {
	yes := true
	web := map[string]string{"app": "web"}
	pod := func(name, rs string) corev1.Pod {
		p := svcTestPod(name, web, false)
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: rs, Controller: &yes}}
		return p
	}
	owners := map[string]string{"shop/web-1a": "web", "shop/api-2b": "api"}
	svc := svcTestService(web, corev1.ServicePort{Port: 80})
	got := checkService(svc, []corev1.Pod{pod("web-1a-x", "web-1a"), pod("web-1a-y", "web-1a")}, nil, owners)
	if len(got) != 1 || got[0].Owner == nil || *got[0].Owner != (kube.ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "web"}) {
		t.Errorf("one owner: got %+v", got)
	}
	got = checkService(svc, []corev1.Pod{pod("web-1a-x", "web-1a"), pod("api-2b-y", "api-2b")}, nil, owners)
	if len(got) != 1 || got[0].Owner != nil {
		t.Errorf("two owners: got %+v, want no owner", got)
	}
}

// loadScenario creates the scenario called name in a fresh namespace.
func loadScenario(t *testing.T, name string) string {
	t.Helper()
	scenarios, err := demo.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		if sc.Name != name {
			continue
		}
		ns := plane.Namespace(t)
		objs, err := demo.SplitYAML(sc.Manifests)
		if err != nil {
			t.Fatal(err)
		}
		plane.CreateObjects(t, ns, objs)
		return ns
	}
	t.Fatalf("no scenario %s", name)
	return ""
}

// proposalFor waits for a finding of reason on the object named name that
// carries a proposal.
func proposalFor(t *testing.T, r *kube.Reader, ns, name, reason string) kube.Finding {
	t.Helper()
	var f kube.Finding
	kubetest.Eventually(t, 30*time.Second, reason+" with a proposal on "+name, func() (bool, error) {
		fs, err := Run(t.Context(), r, Scope{Namespace: ns})
		for _, got := range fs {
			if got.Object.Name == name && got.Reason == reason && got.Proposal != nil {
				f = got
				return true, nil
			}
		}
		return false, err
	})
	return f
}

// applyProposal previews a finding's proposal, checks the diff has the
// lines want ("-old" and "+new", indentation ignored), and applies it as
// the fixer's own identity.
func applyProposal(t *testing.T, f kube.Finding, want ...string) {
	t.Helper()
	fx := newFixer(t)
	pv, err := fx.Preview(t.Context(), *f.Proposal)
	if err != nil {
		t.Fatalf("the proposal of %s does not preview: %v", f.Reason, err)
	}
	var lines []string
	for _, l := range strings.Split(pv.Diff, "\n") {
		if len(l) > 0 {
			lines = append(lines, l[:1]+strings.TrimSpace(l[1:]))
		}
	}
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("diff lacks %q:\n%s", w, pv.Diff)
		}
	}
	if _, err := fx.Apply(t.Context(), *pv, fixer.Identity{}); err != nil {
		t.Fatalf("apply the proposal of %s: %v", f.Reason, err)
	}
}

// gone waits until no finding of reason on the object named name remains.
func gone(t *testing.T, r *kube.Reader, ns, name, reason string) {
	t.Helper()
	kubetest.Eventually(t, 30*time.Second, reason+" on "+name+" resolved", func() (bool, error) {
		fs, err := Run(t.Context(), r, Scope{Namespace: ns})
		for _, f := range fs {
			if f.Object.Name == name && f.Reason == reason {
				return false, err
			}
		}
		return err == nil, err
	})
}

func TestServiceProposalsFixTheScenarios(t *testing.T) {
	r := newReader(t)
	t.Run("selector near miss", func(t *testing.T) {
		t.Parallel()
		ns := loadScenario(t, "service-selector-typo")
		f := proposalFor(t, r, ns, "web", "ServiceSelectorMatchesNothing")
		if !strings.Contains(strings.Join(f.Evidence, "\n"), "near miss: app=webserver selects ") {
			t.Errorf("evidence %q does not name the near miss", f.Evidence)
		}
		applyProposal(t, f, "-app: web-server", "+app: webserver")
		gone(t, r, ns, "web", "ServiceSelectorMatchesNothing")
		gone(t, r, ns, "web", "ServiceNoEndpoints")
	})
	t.Run("target port", func(t *testing.T) {
		t.Parallel()
		ns := loadScenario(t, "service-target-port")
		f := proposalFor(t, r, ns, "api", "ServiceTargetPortMissing")
		applyProposal(t, f, "-targetPort: web", "+targetPort: http")
		gone(t, r, ns, "api", "ServiceTargetPortMissing")
		gone(t, r, ns, "api", "ServiceNoEndpoints")
	})
}
