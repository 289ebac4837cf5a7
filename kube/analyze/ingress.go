package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubertnetes/kubertnetes/kube"
)

// ingressAnalyzer diagnoses Ingresses that cannot route: a backend Service
// or port that does not exist, a TLS Secret that does not exist, no
// ingress class to serve them.
type ingressAnalyzer struct{}

var _ Analyzer = ingressAnalyzer{}

const (
	ingressDocs = "https://kubernetes.io/docs/concepts/services-networking/ingress/"
	// defaultClassAnnotation marks the IngressClass used when an Ingress names none.
	defaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class"
	// legacyClassAnnotation names the class the pre-IngressClass way.
	legacyClassAnnotation = "kubernetes.io/ingress.class"
)

// ingressWorld is what an Ingress is checked against. What could not be
// read (not known) skips the checks that need it.
type ingressWorld struct {
	services     []corev1.Service // of the Ingress's namespace
	secrets      []string         // names of the Secrets of the Ingress's namespace
	secretsKnown bool
	classes      []networkingv1.IngressClass
	classesKnown bool
}

func (ingressAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	ings, err := src.Ingresses(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	if len(ings) == 0 {
		return nil, nil
	}
	svcs, err := src.Services(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	classes, err := src.IngressClasses(ctx)
	classesKnown := err == nil
	if err != nil && !skipForbidden(src, err, s) {
		return nil, err
	}
	secrets, secretsKnown, err := ingressSecretNames(ctx, src, s.Namespace, ings)
	if err != nil {
		return nil, err
	}
	byNS := map[string]*ingressWorld{}
	world := func(ns string) *ingressWorld {
		if byNS[ns] == nil {
			byNS[ns] = &ingressWorld{secrets: secrets[ns], secretsKnown: secretsKnown, classesKnown: classesKnown}
			if classesKnown {
				byNS[ns].classes = classes
			}
		}
		return byNS[ns]
	}
	for _, svc := range svcs {
		w := world(svc.Namespace)
		w.services = append(w.services, svc)
	}
	var out []kube.Finding
	for i := range ings {
		out = append(out, checkIngress(&ings[i], *world(ings[i].Namespace))...)
	}
	return out, nil
}

// ingressSecretNames lists the names of the Secrets in ns (all namespaces for ""),
// by namespace, when some Ingress names a TLS Secret (known reports they
// were read). Source.SecretNames asks for metadata only: the API server
// never sends Secret data, and of the metadata only the names are kept. An identity that may not list Secrets — kubertnetes' own
// deployed identity, by design — skips the TLS check.
func ingressSecretNames(ctx context.Context, src Source, ns string, ings []networkingv1.Ingress) (names map[string][]string, known bool, err error) {
	needed := false
	for _, ing := range ings {
		for _, t := range ing.Spec.TLS {
			needed = needed || t.SecretName != ""
		}
	}
	if !needed {
		return nil, false, nil
	}
	list, err := src.SecretNames(ctx, ns)
	if apierrors.IsForbidden(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	names = map[string][]string{}
	for _, m := range list {
		names[m.Namespace] = append(names[m.Namespace], m.Name)
	}
	return names, true, nil
}

// ingressBackend is one place an Ingress sends traffic to a Service.
type ingressBackend struct {
	where   string // "host shop.example.com path /api", "default backend"
	pointer string // JSON pointer to the backend's service, for a patch
	svc     *networkingv1.IngressServiceBackend
}

func ingressBackends(ing *networkingv1.Ingress) []ingressBackend {
	var out []ingressBackend
	if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
		out = append(out, ingressBackend{where: "default backend", pointer: "/spec/defaultBackend/service", svc: b.Service})
	}
	for i, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		host := rule.Host
		if host == "" {
			host = "*"
		}
		for j, p := range rule.HTTP.Paths {
			if p.Backend.Service == nil {
				continue
			}
			out = append(out, ingressBackend{
				where:   fmt.Sprintf("host %s path %s", host, p.Path),
				pointer: fmt.Sprintf("/spec/rules/%d/http/paths/%d/backend/service", i, j),
				svc:     p.Backend.Service,
			})
		}
	}
	return out
}

func backendPortText(p networkingv1.ServiceBackendPort) string {
	if p.Name != "" {
		return p.Name
	}
	return fmt.Sprint(p.Number)
}

// checkIngress is the pure rule for one Ingress.
func checkIngress(ing *networkingv1.Ingress, w ingressWorld) []kube.Finding {
	ref := kube.ObjectRef{Kind: "Ingress", Namespace: ing.Namespace, Name: ing.Name}
	services := map[string]*corev1.Service{}
	var names []string
	for i := range w.services {
		services[w.services[i].Name] = &w.services[i]
		names = append(names, w.services[i].Name)
	}
	sort.Strings(names)
	var out []kube.Finding
	missing := map[string][]ingressBackend{} // missing Service -> where
	badPort := map[string][]ingressBackend{} // service/port -> where
	for _, b := range ingressBackends(ing) {
		svc := services[b.svc.Name]
		switch {
		case svc == nil:
			missing[b.svc.Name] = append(missing[b.svc.Name], b)
		case svc.Spec.Type != corev1.ServiceTypeExternalName && !serviceHasPort(svc, b.svc.Port):
			key := b.svc.Name + "/" + backendPortText(b.svc.Port)
			badPort[key] = append(badPort[key], b)
		}
	}
	for _, name := range orderedKeys(missing) {
		out = append(out, ingressBackendMissing(ref, name, missing[name], names))
	}
	for _, key := range orderedKeys(badPort) {
		bs := badPort[key]
		out = append(out, ingressPortMissing(ref, services[bs[0].svc.Name], bs))
	}
	if w.secretsKnown {
		out = append(out, ingressTLS(ing, ref, w.secrets)...)
	}
	if f, ok := ingressClass(ing, ref, w.classes); ok && w.classesKnown {
		out = append(out, f)
	}
	return out
}

func serviceHasPort(svc *corev1.Service, p networkingv1.ServiceBackendPort) bool {
	for _, sp := range svc.Spec.Ports {
		if (p.Name != "" && sp.Name == p.Name) || (p.Name == "" && sp.Port == p.Number) {
			return true
		}
	}
	return false
}

// jsonPatch marshals RFC 6902 operations; each replace is guarded by a
// test of the value it replaces, so a changed object is not overwritten.
func jsonPatch(ops ...map[string]any) json.RawMessage {
	doc, _ := json.Marshal(ops)
	return doc
}

func ingressBackendMissing(ref kube.ObjectRef, name string, bs []ingressBackend, existing []string) kube.Finding {
	var where []string
	for _, b := range bs {
		where = append(where, b.where)
	}
	f := kube.Finding{
		Object: ref, Severity: kube.Warning, Reason: "IngressBackendMissing",
		Message: fmt.Sprintf("Ingress %s routes %s to Service %q, which does not exist in namespace %s, so those requests fail (503/404 from the ingress controller)", ref.Name, strings.Join(where, ", "), name, ref.Namespace),
		Evidence: []string{
			fmt.Sprintf("backend service: %s (%s)", name, strings.Join(where, "; ")),
			fmt.Sprintf("services in %s: %s", ref.Namespace, orNone(existing)),
		},
		Docs: ingressDocs,
		Fix:  fmt.Sprintf("Point the Ingress backend at an existing Service, or create Service %q.", name),
	}
	near := nearMiss(name, existing)
	if near == "" {
		return f
	}
	var ops []map[string]any
	for _, b := range bs {
		ops = append(ops,
			map[string]any{"op": "test", "path": b.pointer + "/name", "value": name},
			map[string]any{"op": "replace", "path": b.pointer + "/name", "value": near})
	}
	f.Evidence = append(f.Evidence, fmt.Sprintf("near miss: %q exists", near))
	f.Fix = fmt.Sprintf("Service %q exists: point the backend at it.", near)
	f.Proposal = &kube.Fix{
		Target: kube.Target{Kind: "Ingress", Namespace: ref.Namespace, Name: ref.Name}, Operation: kube.OpJSONPatch, Patch: jsonPatch(ops...),
		Rationale: fmt.Sprintf("Ingress %s names backend Service %q, which does not exist; %q does.", ref.Name, name, near),
		Risk:      "Requests for these paths go to Service " + near + " at once: check it is the intended backend.",
		Expected:  fmt.Sprintf("Ingress %s's backend Service %s exists", ref.Name, near),
	}
	return f
}

func ingressPortMissing(ref kube.ObjectRef, svc *corev1.Service, bs []ingressBackend) kube.Finding {
	var where []string
	for _, b := range bs {
		where = append(where, b.where)
	}
	var ports []string
	for _, sp := range svc.Spec.Ports {
		ports = append(ports, servicePortName(sp))
	}
	port := backendPortText(bs[0].svc.Port)
	f := kube.Finding{
		Object: ref, Severity: kube.Warning, Reason: "IngressBackendPortMissing",
		Message: fmt.Sprintf("Ingress %s routes %s to port %s of Service %s, which has no such port, so those requests fail", ref.Name, strings.Join(where, ", "), port, svc.Name),
		Evidence: []string{
			fmt.Sprintf("backend: service %s port %s (%s)", svc.Name, port, strings.Join(where, "; ")),
			fmt.Sprintf("ports of service %s: %s", svc.Name, orNone(ports)),
		},
		Docs: ingressDocs,
		Fix:  fmt.Sprintf("Set the backend port to one Service %s has (by number or name).", svc.Name),
	}
	if len(svc.Spec.Ports) != 1 {
		return f
	}
	sp := svc.Spec.Ports[0]
	value := map[string]any{"number": sp.Port}
	if bs[0].svc.Port.Name != "" && sp.Name != "" {
		value = map[string]any{"name": sp.Name}
	}
	var ops []map[string]any
	for _, b := range bs {
		old := map[string]any{"number": b.svc.Port.Number}
		if b.svc.Port.Name != "" {
			old = map[string]any{"name": b.svc.Port.Name}
		}
		ops = append(ops,
			map[string]any{"op": "test", "path": b.pointer + "/port", "value": old},
			map[string]any{"op": "replace", "path": b.pointer + "/port", "value": value})
	}
	f.Fix = fmt.Sprintf("Service %s has one port, %s: point the backend at it.", svc.Name, servicePortName(sp))
	f.Proposal = &kube.Fix{
		Target: kube.Target{Kind: "Ingress", Namespace: ref.Namespace, Name: ref.Name}, Operation: kube.OpJSONPatch, Patch: jsonPatch(ops...),
		Rationale: fmt.Sprintf("Ingress %s sends traffic to port %s of Service %s, which only has port %s.", ref.Name, port, svc.Name, servicePortName(sp)),
		Risk:      "Requests for these paths reach the Service at once.",
		Expected:  fmt.Sprintf("Ingress %s's backend port exists on Service %s", ref.Name, svc.Name),
	}
	return f
}

// ingressTLS reports TLS sections whose Secret does not exist.
func ingressTLS(ing *networkingv1.Ingress, ref kube.ObjectRef, secrets []string) []kube.Finding {
	var out []kube.Finding
	for _, t := range ing.Spec.TLS {
		if t.SecretName == "" || contains(secrets, t.SecretName) {
			continue
		}
		f := kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "IngressTLSSecretMissing",
			Message:  fmt.Sprintf("Ingress %s serves TLS for %s with Secret %q, which does not exist in namespace %s: the ingress controller falls back to its default certificate (clients reject it) or drops the host", ref.Name, orNone(t.Hosts), t.SecretName, ref.Namespace),
			Evidence: []string{fmt.Sprintf("tls: hosts %s, secretName %s", orNone(t.Hosts), t.SecretName), fmt.Sprintf("secret %s/%s: not found", ref.Namespace, t.SecretName)},
			Docs:     ingressDocs + "#tls",
			Fix:      fmt.Sprintf("Create the TLS Secret %q (kubectl create secret tls %s --cert=… --key=…) in namespace %s, or point secretName at the existing one.", t.SecretName, t.SecretName, ref.Namespace),
		}
		if near := nearMiss(t.SecretName, secrets); near != "" {
			f.Evidence = append(f.Evidence, fmt.Sprintf("near miss: Secret %q exists", near))
		}
		for k, v := range ing.Annotations {
			if strings.HasPrefix(k, "cert-manager.io/") && strings.HasSuffix(k, "issuer") {
				f.Evidence = append(f.Evidence, fmt.Sprintf("annotation %s: %s (cert-manager should issue it: check its Certificate and CertificateRequest)", k, v))
			}
		}
		out = append(out, f)
	}
	return out
}

// ingressClass reports an Ingress no controller is asked to serve: it
// names a class that does not exist, or names none while no class is the
// default. The legacy annotation counts as naming a class.
func ingressClass(ing *networkingv1.Ingress, ref kube.ObjectRef, classes []networkingv1.IngressClass) (kube.Finding, bool) {
	if ing.Annotations[legacyClassAnnotation] != "" {
		return kube.Finding{}, false
	}
	var names, defaults []string
	for _, c := range classes {
		names = append(names, c.Name)
		if c.Annotations[defaultClassAnnotation] == "true" {
			defaults = append(defaults, c.Name)
		}
	}
	sort.Strings(names)
	evidence := fmt.Sprintf("ingress classes in the cluster: %s (default: %s)", orNone(names), orNone(defaults))
	patch := func(class string) json.RawMessage {
		doc, _ := json.Marshal(map[string]any{"spec": map[string]any{"ingressClassName": class}})
		return doc
	}
	if n := ing.Spec.IngressClassName; n != nil && *n != "" {
		if contains(names, *n) {
			return kube.Finding{}, false
		}
		f := kube.Finding{
			Object: ref, Severity: kube.Warning, Reason: "IngressClassNotFound",
			Message:  fmt.Sprintf("Ingress %s asks for ingress class %q, which does not exist, so no ingress controller serves it", ref.Name, *n),
			Evidence: []string{"ingressClassName: " + *n, evidence},
			Docs:     ingressDocs + "#ingress-class",
			Fix:      "Set ingressClassName to an installed class, or install the ingress controller for this class.",
		}
		if near := nearMiss(*n, names); near != "" {
			f.Fix = fmt.Sprintf("Ingress class %q exists: set ingressClassName to it.", near)
			f.Proposal = &kube.Fix{
				Target: kube.Target{Kind: "Ingress", Namespace: ref.Namespace, Name: ref.Name}, Operation: kube.OpMergePatch, Patch: patch(near),
				Rationale: fmt.Sprintf("Ingress %s names class %q, which does not exist; %q does.", ref.Name, *n, near),
				Risk:      "The " + near + " controller starts serving this Ingress's hosts.",
				Expected:  fmt.Sprintf("Ingress %s is served by class %s", ref.Name, near),
			}
		}
		return f, true
	}
	if len(defaults) > 0 {
		return kube.Finding{}, false
	}
	f := kube.Finding{
		Object: ref, Severity: kube.Warning, Reason: "IngressNoClass",
		Message:  fmt.Sprintf("Ingress %s names no ingress class and the cluster has no default IngressClass, so no ingress controller is bound to serve it", ref.Name),
		Evidence: []string{"ingressClassName: not set", evidence},
		Docs:     ingressDocs + "#default-ingress-class",
		Fix:      "Set spec.ingressClassName to the class of your ingress controller, or mark one IngressClass as the default (annotation " + defaultClassAnnotation + `: "true").`,
	}
	if len(names) == 1 {
		f.Fix = fmt.Sprintf("Set ingressClassName to %q, the only class in the cluster.", names[0])
		f.Proposal = &kube.Fix{
			Target: kube.Target{Kind: "Ingress", Namespace: ref.Namespace, Name: ref.Name}, Operation: kube.OpMergePatch, Patch: patch(names[0]),
			Rationale: fmt.Sprintf("Ingress %s names no class, no class is the default, and %q is the only one installed.", ref.Name, names[0]),
			Risk:      "The " + names[0] + " controller starts serving this Ingress's hosts.",
			Expected:  fmt.Sprintf("Ingress %s is served by class %s", ref.Name, names[0]),
		}
	}
	return f, true
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
