package analyze

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// ingTest is an Ingress of namespace shop: one rule for shop.example.com
// with a path per backend, class and TLS set by the caller.
func ingTest(class string, tls []networkingv1.IngressTLS, backends ...networkingv1.IngressServiceBackend) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: "shop"}, Spec: networkingv1.IngressSpec{TLS: tls}}
	if class != "" {
		ing.Spec.IngressClassName = &class
	}
	rule := networkingv1.IngressRule{Host: "shop.example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{}}}
	for i, b := range backends {
		path := []string{"/", "/api", "/admin"}[i]
		rule.HTTP.Paths = append(rule.HTTP.Paths, networkingv1.HTTPIngressPath{Path: path, Backend: networkingv1.IngressBackend{Service: &b}})
	}
	ing.Spec.Rules = []networkingv1.IngressRule{rule}
	return ing
}

func ingBackend(name string, port int32) networkingv1.IngressServiceBackend {
	return networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: port}}
}

func ingClass(name string, isDefault bool) networkingv1.IngressClass {
	c := networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if isDefault {
		c.Annotations = map[string]string{defaultClassAnnotation: "true"}
	}
	return c
}

func TestCheckIngress(t *testing.T) {
	svc := func(name string, ports ...corev1.ServicePort) corev1.Service {
		return corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"}, Spec: corev1.ServiceSpec{Ports: ports}}
	}
	world := ingressWorld{
		services:     []corev1.Service{svc("web-service", corev1.ServicePort{Name: "http", Port: 80}), svc("api", corev1.ServicePort{Name: "http", Port: 80}, corev1.ServicePort{Name: "grpc", Port: 9090})},
		secrets:      []string{"shop-tls", "default-token"},
		secretsKnown: true,
		classes:      []networkingv1.IngressClass{ingClass("nginx", true), ingClass("traefik", false)},
		classesKnown: true,
	}
	noDefault := world
	noDefault.classes = []networkingv1.IngressClass{ingClass("traefik", false)}
	unknown := world
	unknown.secretsKnown, unknown.classesKnown = false, false
	unknown.secrets, unknown.classes = nil, nil
	named := ingBackend("web-service", 0)
	named.Port = networkingv1.ServiceBackendPort{Name: "https"}
	tls := func(secret string) []networkingv1.IngressTLS {
		return []networkingv1.IngressTLS{{Hosts: []string{"shop.example.com"}, SecretName: secret}}
	}
	tests := []struct {
		name  string
		ing   *networkingv1.Ingress
		world ingressWorld
		// want maps reason -> the proposal's patch ("" for none)
		want     map[string]string
		evidence []string
	}{
		{name: "healthy", ing: ingTest("nginx", tls("shop-tls"), ingBackend("web-service", 80), ingBackend("api", 9090)), world: world},
		{
			name: "backend near miss on two paths", ing: ingTest("nginx", nil, ingBackend("web-svc", 80), ingBackend("web-svc", 80)), world: world,
			want:     map[string]string{"IngressBackendMissing": `[{"op":"test","path":"/spec/rules/0/http/paths/0/backend/service/name","value":"web-svc"},{"op":"replace","path":"/spec/rules/0/http/paths/0/backend/service/name","value":"web-service"},{"op":"test","path":"/spec/rules/0/http/paths/1/backend/service/name","value":"web-svc"},{"op":"replace","path":"/spec/rules/0/http/paths/1/backend/service/name","value":"web-service"}]`},
			evidence: []string{"backend service: web-svc (host shop.example.com path /; host shop.example.com path /api)", "services in shop: api, web-service", `near miss: "web-service" exists`},
		},
		{
			name: "backend missing, nothing near", ing: ingTest("nginx", nil, ingBackend("payments", 80)), world: world,
			want: map[string]string{"IngressBackendMissing": ""},
		},
		{
			name: "default backend missing", world: world,
			ing: func() *networkingv1.Ingress {
				ing := ingTest("nginx", nil)
				ing.Spec.DefaultBackend = &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web-servic", Port: networkingv1.ServiceBackendPort{Number: 80}}}
				return ing
			}(),
			want: map[string]string{"IngressBackendMissing": `[{"op":"test","path":"/spec/defaultBackend/service/name","value":"web-servic"},{"op":"replace","path":"/spec/defaultBackend/service/name","value":"web-service"}]`},
		},
		{
			name: "port number missing, one port", ing: ingTest("nginx", nil, ingBackend("web-service", 8080)), world: world,
			want:     map[string]string{"IngressBackendPortMissing": `[{"op":"test","path":"/spec/rules/0/http/paths/0/backend/service/port","value":{"number":8080}},{"op":"replace","path":"/spec/rules/0/http/paths/0/backend/service/port","value":{"number":80}}]`},
			evidence: []string{"ports of service web-service: http (80)"},
		},
		{
			name: "port name missing, one port", ing: ingTest("nginx", nil, named), world: world,
			want: map[string]string{"IngressBackendPortMissing": `[{"op":"test","path":"/spec/rules/0/http/paths/0/backend/service/port","value":{"name":"https"}},{"op":"replace","path":"/spec/rules/0/http/paths/0/backend/service/port","value":{"name":"http"}}]`},
		},
		{
			name: "port missing, two ports: no proposal", ing: ingTest("nginx", nil, ingBackend("api", 8080)), world: world,
			want: map[string]string{"IngressBackendPortMissing": ""},
		},
		{
			name: "tls secret missing", ing: ingTest("nginx", tls("shop-tsl"), ingBackend("web-service", 80)), world: world,
			want:     map[string]string{"IngressTLSSecretMissing": ""},
			evidence: []string{"tls: hosts shop.example.com, secretName shop-tsl", "secret shop/shop-tsl: not found", `near miss: Secret "shop-tls" exists`},
		},
		{
			name: "class missing, near miss", ing: ingTest("treafik", nil, ingBackend("web-service", 80)), world: world,
			want: map[string]string{"IngressClassNotFound": `{"spec":{"ingressClassName":"traefik"}}`},
		},
		{
			name: "no class, a default exists", ing: ingTest("", nil, ingBackend("web-service", 80)), world: world,
		},
		{
			name: "no class, no default, one class", ing: ingTest("", nil, ingBackend("web-service", 80)), world: noDefault,
			want:     map[string]string{"IngressNoClass": `{"spec":{"ingressClassName":"traefik"}}`},
			evidence: []string{"ingressClassName: not set", "ingress classes in the cluster: traefik (default: none)"},
		},
		{
			name: "no class, legacy annotation", world: noDefault,
			ing: func() *networkingv1.Ingress {
				ing := ingTest("", nil, ingBackend("web-service", 80))
				ing.Annotations = map[string]string{legacyClassAnnotation: "nginx"}
				return ing
			}(),
		},
		{
			name: "secrets and classes unreadable: those checks skipped", ing: ingTest("", tls("nope"), ingBackend("web-service", 80)), world: unknown,
		},
		{
			name: "external name service has any port", ing: ingTest("nginx", nil, ingBackend("ext", 443)),
			world: func() ingressWorld {
				w := world
				ext := svc("ext")
				ext.Spec.Type = corev1.ServiceTypeExternalName
				w.services = append([]corev1.Service{ext}, w.services...)
				return w
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			var evidence []string
			for _, f := range checkIngress(tt.ing, tt.world) {
				if f.Object != (kube.ObjectRef{Kind: "Ingress", Namespace: "shop", Name: "shop"}) || f.Severity != kube.Warning || f.Docs == "" || f.Fix == "" || f.Message == "" {
					t.Errorf("finding = %+v", f)
				}
				got[f.Reason] = ""
				if f.Proposal != nil {
					got[f.Reason] = compactJSON(t, f.Proposal.Patch)
					if err := f.Proposal.Validate(); err != nil {
						t.Errorf("proposal: %v", err)
					}
				}
				evidence = append(evidence, f.Evidence...)
			}
			want := tt.want
			if want == nil {
				want = map[string]string{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reason -> patch (-want +got):\n%s", diff)
			}
			for _, e := range tt.evidence {
				if !slices.Contains(evidence, e) {
					t.Errorf("evidence %q lacks %q", evidence, e)
				}
			}
		})
	}
}

func TestIngressProposalsFixTheScenario(t *testing.T) {
	r := newReader(t)
	ns := loadScenario(t, "ingress-backend-missing")
	f := proposalFor(t, r, ns, "shop", "IngressBackendMissing")
	applyProposal(t, f, "-name: web-svc", "+name: web-service")
	gone(t, r, ns, "shop", "IngressBackendMissing")
	f = proposalFor(t, r, ns, "shop", "IngressBackendPortMissing")
	applyProposal(t, f, "-number: 8080", "+number: 80")
	gone(t, r, ns, "shop", "IngressBackendPortMissing")
}
