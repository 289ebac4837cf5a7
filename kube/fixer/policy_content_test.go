package fixer

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubertnetes/kubertnetes/kube"
)

// object decodes JSON as the API server's client does (integers as int64).
func object(t *testing.T, js string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON([]byte(js)); err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	return u
}

// workloadKinds are where each kind keeps its pod spec.
var workloadKinds = []struct {
	kind, apiVersion, template string // template: %s is the pod template (metadata + spec)
}{
	{"Deployment", "apps/v1", `"spec":{"template":%s}`},
	{"StatefulSet", "apps/v1", `"spec":{"template":%s}`},
	{"DaemonSet", "apps/v1", `"spec":{"template":%s}`},
	{"ReplicaSet", "apps/v1", `"spec":{"template":%s}`},
	{"Job", "batch/v1", `"spec":{"template":%s}`},
	{"CronJob", "batch/v1", `"spec":{"schedule":"@daily","jobTemplate":{"spec":{"template":%s}}}`},
	{"Pod", "v1", `%s`},
}

// workload is a kind's object with the pod spec spec and the template
// annotations annotations (JSON objects).
func workload(t *testing.T, kind, annotations, spec string) *unstructured.Unstructured {
	t.Helper()
	tmpl := fmt.Sprintf(`{"metadata":{"annotations":%s},"spec":%s}`, annotations, spec)
	for _, k := range workloadKinds {
		if k.kind != kind {
			continue
		}
		if kind == "Pod" { // the pod's own metadata and spec
			return object(t, fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","annotations":%s},"spec":%s}`, annotations, spec))
		}
		return object(t, fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":"x"},%s}`, k.apiVersion, kind, fmt.Sprintf(k.template, tmpl)))
	}
	t.Fatalf("no kind %s", kind)
	return nil
}

// checkRefusal asserts err is a policy refusal with every part of want,
// or nil when want is nil.
func checkRefusal(t *testing.T, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("allowed, want a refusal with %q", want)
	}
	if !errors.Is(err, ErrRefused) || !strings.HasPrefix(err.Error(), "policy: ") {
		t.Errorf("%q is not a policy refusal", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("refusal %q lacks %q", err, w)
		}
	}
}

const (
	web     = `{"name":"web","image":"ghcr.io/acme/web:1"}`
	webWith = `{"name":"web","image":"ghcr.io/acme/web:1","securityContext":%s}`
)

func spec(containers string, extra ...string) string {
	s := `{"containers":[` + containers + `]`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}"
}

func sc(s string) string { return fmt.Sprintf(webWith, s) }

// Every privilege, identity and image-registry rule, on the pod spec of
// every workload kind: only what the change adds is refused.
func TestCheckChangePodSpecs(t *testing.T) {
	tests := []struct {
		name          string
		before, after string // pod specs
		beforeAnn     string
		afterAnn      string
		want          []string
	}{
		{"an env value", spec(web), spec(`{"name":"web","image":"ghcr.io/acme/web:1","env":[{"name":"A","value":"1"}]}`), "", "", nil},
		{"privileged", spec(web), spec(sc(`{"privileged":true}`)), "", "", []string{`make container "web" privileged`, "securityContext.privileged: true", "[privilege]", "privilege@shop"}},
		{"already privileged, env changed", spec(sc(`{"privileged":true}`)), spec(`{"name":"web","image":"ghcr.io/acme/web:1","securityContext":{"privileged":true},"env":[{"name":"A","value":"1"}]}`), "", "", nil},
		{"allowPrivilegeEscalation true", spec(web), spec(sc(`{"allowPrivilegeEscalation":true}`)), "", "", []string{`let container "web" gain privileges`, "allowPrivilegeEscalation was unset, now true"}},
		{"allowPrivilegeEscalation false removed", spec(sc(`{"allowPrivilegeEscalation":false}`)), spec(web), "", "", []string{"allowPrivilegeEscalation was false, now unset"}},
		{"a capability added", spec(web), spec(sc(`{"capabilities":{"add":["NET_ADMIN"]}}`)), "", "", []string{`add capability "NET_ADMIN" to container "web"`, "capabilities.add"}},
		{"a capability no longer dropped", spec(sc(`{"capabilities":{"drop":["ALL"]}}`)), spec(sc(`{"capabilities":{"drop":[]}}`)), "", "", []string{`stop dropping capability "ALL"`}},
		{"a capability dropped", spec(web), spec(sc(`{"capabilities":{"drop":["ALL"]}}`)), "", "", nil},
		{"hostNetwork", spec(web), spec(web, `"hostNetwork":true`), "", "", []string{"hostNetwork: true", "share the node's network"}},
		{"hostPID", spec(web), spec(web, `"hostPID":true`), "", "", []string{"hostPID: true"}},
		{"hostIPC", spec(web), spec(web, `"hostIPC":true`), "", "", []string{"hostIPC: true"}},
		{"a hostPath volume", spec(web), spec(web, `"volumes":[{"name":"sock","hostPath":{"path":"/var/run/docker.sock"}}]`), "", "", []string{`mount the node's directory "/var/run/docker.sock"`, "volumes[name=sock].hostPath"}},
		{"an emptyDir volume", spec(web), spec(web, `"volumes":[{"name":"tmp","emptyDir":{}}]`), "", "", nil},
		{"a hostPort", spec(web), spec(`{"name":"web","image":"ghcr.io/acme/web:1","ports":[{"containerPort":80,"hostPort":80}]}`), "", "", []string{`open port 80 on the node for container "web"`}},
		{"runAsUser 0 in a container", spec(web), spec(sc(`{"runAsUser":0}`)), "", "", []string{`run container "web" as root`, "runAsUser: 0"}},
		{"runAsUser 0 for the pod", spec(web), spec(web, `"securityContext":{"runAsUser":0}`), "", "", []string{"run the pod as root"}},
		{"runAsUser 0 already", spec(sc(`{"runAsUser":0}`)), spec(sc(`{"runAsUser":0,"readOnlyRootFilesystem":true}`)), "", "", nil},
		{"runAsUser 1000", spec(web), spec(sc(`{"runAsUser":1000}`)), "", "", nil},
		{"runAsNonRoot false", spec(web), spec(sc(`{"runAsNonRoot":false}`)), "", "", []string{"runAsNonRoot was unset, now false"}},
		{"runAsNonRoot true removed", spec(web, `"securityContext":{"runAsNonRoot":true}`), spec(web), "", "", []string{"let the pod run as root", "runAsNonRoot was true, now unset"}},
		{"seccomp Unconfined", spec(web), spec(web, `"securityContext":{"seccompProfile":{"type":"Unconfined"}}`), "", "", []string{"run the pod unconfined", "seccompProfile.type: Unconfined"}},
		{"AppArmor Unconfined", spec(web), spec(sc(`{"appArmorProfile":{"type":"Unconfined"}}`)), "", "", []string{`run container "web" unconfined`, "appArmorProfile.type"}},
		{"AppArmor annotation", spec(web), spec(web), "", `{"container.apparmor.security.beta.kubernetes.io/web":"unconfined"}`, []string{`annotation "container.apparmor.security.beta.kubernetes.io/web"`}},
		{"procMount Unmasked", spec(web), spec(sc(`{"procMount":"Unmasked"}`)), "", "", []string{`unmasked /proc`, `"Unmasked"`}},
		{"a privileged init container", spec(web), spec(web, `"initContainers":[{"name":"init","image":"ghcr.io/acme/init:1","securityContext":{"privileged":true}}]`), "", "", []string{`make initContainer "init" privileged`}},
		{"a privileged ephemeral container", spec(web), spec(web, `"ephemeralContainers":[{"name":"dbg","image":"ghcr.io/acme/dbg:1","securityContext":{"privileged":true}}]`), "", "", []string{`make ephemeralContainer "dbg" privileged`}},
		// identity
		{"another ServiceAccount", spec(web), spec(web, `"serviceAccountName":"deployer"`), "", "", []string{`run the pods as ServiceAccount "deployer" instead of "default"`, "[identity]", "keep the identity", "identity@shop"}},
		{"another ServiceAccount, deprecated field", spec(web, `"serviceAccountName":"app"`), spec(web, `"serviceAccount":"admin"`), "", "", []string{`"admin" instead of "app"`}},
		{"default ServiceAccount named", spec(web), spec(web, `"serviceAccountName":"default"`), "", "", nil},
		{"token mounted again", spec(web, `"automountServiceAccountToken":false`), spec(web), "", "", []string{"mount the ServiceAccount's token", "was false, now unset"}},
		{"token mounted explicitly", spec(web), spec(web, `"automountServiceAccountToken":true`), "", "", []string{"automountServiceAccountToken was unset, now true"}},
		{"a projected token", spec(web), spec(web, `"volumes":[{"name":"tok","projected":{"sources":[{"serviceAccountToken":{"path":"t"}}]}}]`), "", "", []string{"mount a ServiceAccount token", "volumes[name=tok]"}},
		// images
		{"a new tag, same registry", spec(web), spec(`{"name":"web","image":"ghcr.io/acme/web:2"}`), "", "", nil},
		{"another registry", spec(web), spec(`{"name":"web","image":"evil.example.com/web:1"}`), "", "", []string{`run image "evil.example.com/web:1" in container "web" from registry "evil.example.com"`, "it used: ghcr.io", "[image-registry]", "image-registry@shop"}},
		{"docker hub from ghcr", spec(web), spec(`{"name":"web","image":"nginx:1.27"}`), "", "", []string{`registry "docker.io"`}},
		{"a sidecar from a registry already used", spec(web), spec(web + `,{"name":"proxy","image":"ghcr.io/other/proxy:1"}`), "", "", nil},
		{"an init container from another registry", spec(web), spec(web, `"initContainers":[{"name":"init","image":"quay.io/x/init:1"}]`), "", "", []string{`in initContainer "init" from registry "quay.io"`}},
		{"several refusals in one", spec(web), spec(sc(`{"privileged":true}`), `"hostNetwork":true`, `"serviceAccountName":"root"`), "", "", []string{"privileged", "hostNetwork", "ServiceAccount", "privilege@shop,identity@shop"}},
	}
	for _, k := range workloadKinds {
		for _, tt := range tests {
			t.Run(k.kind+"/"+tt.name, func(t *testing.T) {
				ann := func(s string) string {
					if s == "" {
						return "{}"
					}
					return s
				}
				before := workload(t, k.kind, ann(tt.beforeAnn), tt.before)
				after := workload(t, k.kind, ann(tt.afterAnn), tt.after)
				gk := schema.GroupKind{Group: after.GroupVersionKind().Group, Kind: k.kind}
				err := Policy{}.CheckChange(kube.Target{Kind: k.kind, Namespace: "shop", Name: "x"}, gk, before, after)
				checkRefusal(t, err, tt.want)
			})
		}
	}
}

// A Service reachable from outside, an Ingress answering a new host.
func TestCheckChangeExposure(t *testing.T) {
	svc := func(spec string) string {
		return `{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"},"spec":` + spec + `}`
	}
	ing := func(spec string) string {
		return `{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"x"},"spec":` + spec + `}`
	}
	const (
		clusterIP = `{"type":"ClusterIP","selector":{"app":"web"},"ports":[{"port":80}]}`
		nodePort  = `{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}`
		lb        = `{"type":"LoadBalancer","loadBalancerSourceRanges":["10.0.0.0/8"],"ports":[{"port":80,"nodePort":30080}]}`
		rule      = `{"host":"shop.example.com","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"number":80}}}}]}}`
	)
	tests := []struct {
		name          string
		kind          schema.GroupKind
		before, after string // "" before: created
		want          []string
	}{
		{"a selector", schema.GroupKind{Kind: "Service"}, svc(clusterIP), svc(`{"type":"ClusterIP","selector":{"app":"web2"},"ports":[{"port":80}]}`), nil},
		{"to NodePort", schema.GroupKind{Kind: "Service"}, svc(clusterIP), svc(`{"type":"NodePort","selector":{"app":"web"},"ports":[{"port":80,"nodePort":31000}]}`), []string{`type from ClusterIP to "NodePort"`, "[exposure]", "keep the Service ClusterIP", "exposure@shop"}},
		{"to LoadBalancer", schema.GroupKind{Kind: "Service"}, svc(clusterIP), svc(`{"type":"LoadBalancer","ports":[{"port":80}]}`), []string{`to "LoadBalancer"`}},
		{"to ExternalName", schema.GroupKind{Kind: "Service"}, svc(clusterIP), svc(`{"type":"ExternalName","externalName":"evil.example.com"}`), []string{`to "ExternalName"`, `point the Service's name at "evil.example.com"`}},
		{"externalIPs", schema.GroupKind{Kind: "Service"}, svc(clusterIP), svc(`{"type":"ClusterIP","externalIPs":["203.0.113.7"],"ports":[{"port":80}]}`), []string{`external IP "203.0.113.7"`}},
		{"a new nodePort", schema.GroupKind{Kind: "Service"}, svc(nodePort), svc(`{"type":"NodePort","ports":[{"port":80,"nodePort":30080},{"port":443,"nodePort":30443}]}`), []string{"open node port 30443"}},
		{"a NodePort Service's selector", schema.GroupKind{Kind: "Service"}, svc(nodePort), svc(`{"type":"NodePort","selector":{"a":"b"},"ports":[{"port":80,"nodePort":30080}]}`), nil},
		{"source ranges widened", schema.GroupKind{Kind: "Service"}, svc(lb), svc(`{"type":"LoadBalancer","loadBalancerSourceRanges":["0.0.0.0/0"],"ports":[{"port":80,"nodePort":30080}]}`), []string{`adds "0.0.0.0/0"`}},
		{"source ranges emptied", schema.GroupKind{Kind: "Service"}, svc(lb), svc(`{"type":"LoadBalancer","ports":[{"port":80,"nodePort":30080}]}`), []string{"emptied, which admits every address"}},
		{"source ranges narrowed", schema.GroupKind{Kind: "Service"}, svc(lb), svc(`{"type":"LoadBalancer","loadBalancerSourceRanges":["10.1.0.0/16"],"ports":[{"port":80,"nodePort":30080}]}`), nil},
		{"create a ClusterIP Service", schema.GroupKind{Kind: "Service"}, "", svc(clusterIP), nil},
		{"create a NodePort Service", schema.GroupKind{Kind: "Service"}, "", svc(nodePort), []string{`type from ClusterIP to "NodePort"`}},
		{"an Ingress backend", schema.GroupKind{Group: "networking.k8s.io", Kind: "Ingress"}, ing(`{"rules":[` + rule + `]}`), ing(`{"rules":[` + strings.Replace(rule, `"web"`, `"web-svc"`, 1) + `]}`), nil},
		{"an Ingress host", schema.GroupKind{Group: "networking.k8s.io", Kind: "Ingress"}, ing(`{"rules":[` + rule + `]}`), ing(`{"rules":[` + strings.Replace(rule, "shop.example.com", "login.example.com", 1) + `]}`), []string{`serve host "login.example.com"`}},
		{"an Ingress rule for any host", schema.GroupKind{Group: "networking.k8s.io", Kind: "Ingress"}, ing(`{"rules":[` + rule + `]}`), ing(`{"rules":[` + rule + `,{"http":{"paths":[]}}]}`), []string{`serve host "*"`}},
		{"an Ingress default backend", schema.GroupKind{Group: "networking.k8s.io", Kind: "Ingress"}, ing(`{"rules":[` + rule + `]}`), ing(`{"defaultBackend":{"service":{"name":"web","port":{"number":80}}},"rules":[` + rule + `]}`), []string{`serve host "*"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before *unstructured.Unstructured
			if tt.before != "" {
				before = object(t, tt.before)
			}
			err := Policy{}.CheckChange(kube.Target{Kind: tt.kind.Kind, Namespace: "shop", Name: "x"}, tt.kind, before, object(t, tt.after))
			checkRefusal(t, err, tt.want)
		})
	}
}

// AllowChanges lifts a rule everywhere or in one namespace, and no other.
func TestCheckChangeAllowChanges(t *testing.T) {
	before := workload(t, "Deployment", "{}", spec(web))
	after := workload(t, "Deployment", "{}", spec(`{"name":"web","image":"quay.io/x/web:1","securityContext":{"privileged":true}}`))
	gk := schema.GroupKind{Group: "apps", Kind: "Deployment"}
	tests := []struct {
		name  string
		allow []string
		ns    string
		want  []string
	}{
		{"nothing allowed", nil, "shop", []string{"[privilege]", "[image-registry]", "KUBERTNETES_FIX_ALLOW_CHANGES=privilege@shop,image-registry@shop"}},
		{"both in the namespace", []string{"privilege@shop", "image-registry@shop"}, "shop", nil},
		{"both, everywhere", []string{"privilege", "Image-Registry"}, "shop", nil},
		{"one lifted", []string{"privilege@shop"}, "shop", []string{"[image-registry]", "image-registry@shop"}},
		{"lifted in another namespace", []string{"privilege@web", "image-registry@web"}, "shop", []string{"[privilege]", "[image-registry]"}},
		{"other rules lifted", []string{"identity", "exposure", "create"}, "shop", []string{"[privilege]", "[image-registry]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Policy{AllowChanges: tt.allow}.CheckChange(kube.Target{Kind: "Deployment", Namespace: tt.ns, Name: "x"}, gk, before, after)
			checkRefusal(t, err, tt.want)
			if err != nil && strings.Contains(err.Error(), "lifted") {
				t.Errorf("refusal mentions a lifted rule: %v", err)
			}
		})
	}
}

// Fields of the wrong type, from a custom kind or a hostile patch, read
// as absent: no panic, no refusal invented from them.
func TestCheckChangeMisshapenObjects(t *testing.T) {
	for _, js := range []string{
		`{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"x"},"spec":{"containers":"web"}}`,
		`{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"x"},"spec":{"template":{"spec":{"containers":[7,"x",{"name":5,"image":9,"securityContext":"root","ports":[1]}],"volumes":"v","hostNetwork":"yes"}}}}`,
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"},"spec":{"type":7,"externalIPs":"1.2.3.4","ports":{"a":1},"loadBalancerSourceRanges":[1]}}`,
	} {
		u := object(t, js)
		gk := schema.GroupKind{Group: u.GroupVersionKind().Group, Kind: u.GetKind()}
		if err := (Policy{}).CheckChange(kube.Target{Namespace: "shop", Name: "x"}, gk, u, u); err != nil {
			t.Errorf("%s: %v", js, err)
		}
	}
}

func TestRegistry(t *testing.T) {
	for image, want := range map[string]string{
		"nginx": "docker.io", "nginx:1.27": "docker.io", "library/nginx": "docker.io", "docker.io/library/nginx": "docker.io",
		"index.docker.io/x/y": "docker.io", "nginx@sha256:abc": "docker.io", "ghcr.io/acme/web:1": "ghcr.io",
		"localhost/x": "localhost", "localhost:5000/x": "localhost:5000", "registry:5000/x": "registry:5000",
		"Quay.IO/x/y": "quay.io", "acme/web": "docker.io",
	} {
		if got := registry(image); got != want {
			t.Errorf("registry(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestParseAllowChange(t *testing.T) {
	for entry, want := range map[string]string{
		"privilege": "privilege@", "exposure@web": "exposure@web", " Image-Registry@kube-system ": "image-registry@kube-system",
		"identity@": "", "create@Web": "", "root": "", "privilege@a/b": "", "": "",
	} {
		r, ns, err := ParseAllowChange(entry)
		switch {
		case want == "" && err == nil:
			t.Errorf("%q: accepted as %s@%s", entry, r, ns)
		case want == "" && !strings.Contains(err.Error(), "privilege, identity, exposure, image-registry, create") && !strings.Contains(err.Error(), "not a namespace"):
			t.Errorf("%q: error %q names neither the rules nor the namespace", entry, err)
		case want != "" && (err != nil || string(r)+"@"+ns != want):
			t.Errorf("%q: %s@%s, %v; want %s", entry, r, ns, err, want)
		}
	}
}
