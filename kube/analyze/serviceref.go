package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// serviceRefAnalyzer finds configuration that points an app at a Service
// that does not exist — the app runs, but every call it makes fails — and,
// when an existing Service's name is a near miss, proposes the correction.
type serviceRefAnalyzer struct{}

var _ Analyzer = serviceRefAnalyzer{}

func (serviceRefAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	deps, err := src.Deployments(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	svcs, err := src.Services(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	cms, err := src.ConfigMaps(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	return checkServiceRefs(deps, svcs, cms), nil
}

// hostRef matches a host in a configuration value: a URL's host
// (scheme://host) or a host:port. A bare word is not a host.
var hostRef = regexp.MustCompile(`[a-z][a-z0-9+.-]*://(?:[^/@\s]*@)?([a-z0-9][a-z0-9.-]*[a-z0-9])|(?:^|[\s"'=,;])([a-z0-9][a-z0-9.-]*[a-z0-9]):\d{1,5}\b`)

// serviceHost reads "name", "name.ns", "name.ns.svc[.cluster.local]" as a
// Service reference; other hosts (example.com, an IP) are not ours.
func serviceHost(host, defaultNS string) (name, ns string, ok bool) {
	parts := strings.Split(host, ".")
	switch {
	case len(parts) == 1:
		return parts[0], defaultNS, true
	case len(parts) == 2 && !strings.Contains(host, "localhost"):
		return "", "", false // name.ns is ambiguous with a domain; skip
	case len(parts) >= 3 && parts[2] == "svc":
		return parts[0], parts[1], true
	}
	return "", "", false
}

// checkServiceRefs is the pure rule: for each Deployment, the values it
// reads (env literals and the ConfigMaps it loads) that name a Service
// missing from its namespace.
func checkServiceRefs(deps []appsv1.Deployment, svcs []corev1.Service, cms []corev1.ConfigMap) []kube.Finding {
	services := map[string][]string{} // namespace -> names
	for _, s := range svcs {
		services[s.Namespace] = append(services[s.Namespace], s.Name)
	}
	configs := map[string]*corev1.ConfigMap{}
	for i := range cms {
		configs[cms[i].Namespace+"/"+cms[i].Name] = &cms[i]
	}
	seen := map[string]bool{}
	var out []kube.Finding
	for _, d := range deps {
		owner := &kube.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, src := range containerValues(c, d.Namespace, configs) {
				for _, m := range hostRef.FindAllStringSubmatch(src.value, -1) {
					name, ns, ok := serviceHost(m[1]+m[2], d.Namespace)
					if !ok || ns != d.Namespace || contains(services[ns], name) || looksLikeNonService(name) {
						continue
					}
					key := src.object.String() + "/" + src.key + "/" + name
					if seen[key] {
						continue
					}
					seen[key] = true
					out = append(out, missingServiceFinding(owner, c.Name, src, name, m[0], services[ns]))
				}
			}
		}
	}
	return out
}

// looksLikeNonService skips hosts that are plainly not Services.
func looksLikeNonService(name string) bool {
	return name == "localhost" || strings.Trim(name, "0123456789") == ""
}

// configValue is one value a container reads, and where it comes from.
type configValue struct {
	object kube.ObjectRef // the ConfigMap, or the Deployment for an env literal
	key    string
	value  string
}

func containerValues(c corev1.Container, ns string, configs map[string]*corev1.ConfigMap) []configValue {
	var out []configValue
	for _, e := range c.Env {
		if e.Value != "" {
			out = append(out, configValue{object: kube.ObjectRef{Kind: "Deployment", Namespace: ns}, key: e.Name, value: e.Value})
		}
		if ref := e.ValueFrom; ref != nil && ref.ConfigMapKeyRef != nil {
			if cm := configs[ns+"/"+ref.ConfigMapKeyRef.Name]; cm != nil {
				out = append(out, configValue{object: kube.ObjectRef{Kind: "ConfigMap", Namespace: ns, Name: cm.Name}, key: ref.ConfigMapKeyRef.Key, value: cm.Data[ref.ConfigMapKeyRef.Key]})
			}
		}
	}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			continue
		}
		cm := configs[ns+"/"+from.ConfigMapRef.Name]
		if cm == nil {
			continue
		}
		keys := make([]string, 0, len(cm.Data))
		for k := range cm.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, configValue{object: kube.ObjectRef{Kind: "ConfigMap", Namespace: ns, Name: cm.Name}, key: k, value: cm.Data[k]})
		}
	}
	return out
}

func missingServiceFinding(owner *kube.ObjectRef, container string, src configValue, name, match string, existing []string) kube.Finding {
	where := fmt.Sprintf("ConfigMap %s key %s", src.object.Name, src.key)
	obj := src.object
	if obj.Kind == "Deployment" {
		where = fmt.Sprintf("env %s of container %s", src.key, container)
		obj = *owner
	}
	f := kube.Finding{
		Object: obj, Owner: owner, Severity: kube.Warning, Reason: "ServiceNotFound",
		Message: fmt.Sprintf("Deployment %s is configured to reach Service %q (%s), which does not exist in namespace %s, so its calls to it fail", owner.Name, name, where, owner.Namespace),
		Evidence: []string{
			fmt.Sprintf("%s: %s", where, src.value),
			fmt.Sprintf("services in %s: %s", owner.Namespace, strings.Join(sortedCopy(existing), ", ")),
		},
		Docs: "https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/",
		Fix:  fmt.Sprintf("Point %s at an existing Service, or create Service %q.", where, name),
	}
	near := nearMiss(name, existing)
	if near == "" {
		return f
	}
	fixed := strings.Replace(src.value, match, strings.Replace(match, name, near, 1), 1)
	f.Fix = fmt.Sprintf("Service %q exists: set %s to %q and restart %s.", near, where, fixed, owner.Name)
	f.Evidence = append(f.Evidence, fmt.Sprintf("near miss: %q exists", near))
	if src.object.Kind == "ConfigMap" {
		patch, _ := json.Marshal(map[string]any{"data": map[string]string{src.key: fixed}})
		f.Proposal = &kube.Fix{
			Target: kube.Target{Kind: "ConfigMap", Namespace: owner.Namespace, Name: src.object.Name}, Operation: kube.OpMergePatch, Patch: patch,
			Rationale: fmt.Sprintf("%s names Service %q, which does not exist; %q does.", where, name, near),
			Risk:      fmt.Sprintf("None for the ConfigMap itself; %s reads it at start, so the fix restarts it (its pods are replaced as in any rollout).", owner.Name),
			Expected:  fmt.Sprintf("after its restart, %s reaches Service %s", owner.Name, near),
		}
	} else {
		f.Proposal = &kube.Fix{
			Target: kube.Target{Kind: "Deployment", Namespace: owner.Namespace, Name: owner.Name}, Operation: kube.OpSetEnv, Container: container,
			Env:       map[string]string{src.key: fixed},
			Rationale: fmt.Sprintf("env %s names Service %q, which does not exist; %q does.", src.key, name, near),
			Risk:      "The Deployment rolls out new pods.",
			Expected:  fmt.Sprintf("%s's new pods reach Service %s", owner.Name, near),
		}
	}
	return f
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
