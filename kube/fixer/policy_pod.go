package fixer

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// podTemplate is one pod spec found in an object, with the annotations
// of the metadata beside it (AppArmor and seccomp annotations live there).
type podTemplate struct {
	spec        map[string]any
	annotations map[string]any
}

// maxDepth bounds the search for pod specs in an object.
const maxDepth = 16

// podTemplates finds every pod spec in obj by its shape (a map with a
// containers list), keyed by where it is (spec, spec.template.spec,
// spec.jobTemplate.spec.template.spec …): every workload kind, and custom
// kinds that embed a pod template, without a list of kinds to forget one.
func podTemplates(obj map[string]any) map[string]podTemplate {
	out := map[string]podTemplate{}
	var walk func(m map[string]any, path string, depth int)
	walk = func(m map[string]any, path string, depth int) {
		if depth > maxDepth {
			return
		}
		for k, v := range m {
			p := k
			if path != "" {
				p = path + "." + k
			}
			switch v := v.(type) {
			case map[string]any:
				if _, ok := v["containers"].([]any); ok {
					out[p] = podTemplate{spec: v, annotations: child(m, "metadata", "annotations")}
					continue
				}
				walk(v, p, depth+1)
			case []any:
				for i, e := range v {
					if e, ok := e.(map[string]any); ok {
						walk(e, fmt.Sprintf("%s[%d]", p, i), depth+1)
					}
				}
			}
		}
	}
	walk(obj, "", 0)
	return out
}

// containerLists are the lists of containers a pod spec has.
var containerLists = []string{"containers", "initContainers", "ephemeralContainers"}

// podChanges are the privilege, identity and image-registry violations of
// the change from before to after (nil before: a created object).
func podChanges(before, after map[string]any) []violation {
	bt, at := podTemplates(before), podTemplates(after)
	paths := make([]string, 0, len(at))
	for p := range at {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var vs []violation
	for _, p := range paths {
		b, a := bt[p], at[p]
		vs = append(vs, podSpecChanges(p, b, a)...)
		for _, list := range containerLists {
			for _, c := range items(a.spec, list) {
				name := scalar(c, "name")
				var was map[string]any
				for _, bc := range items(b.spec, list) {
					if scalar(bc, "name") == name {
						was = bc
					}
				}
				where := fmt.Sprintf("%s %s", strings.TrimSuffix(list, "s"), quote(name))
				vs = append(vs, securityChanges(where, p+"."+list+"[name="+label(name)+"].securityContext", child(was, "securityContext"), child(c, "securityContext"))...)
				vs = append(vs, hostPortChanges(where, was, c)...)
			}
		}
	}
	return append(vs, registryChanges(bt, at, paths)...)
}

// podSpecChanges are the violations in one pod spec's own fields.
func podSpecChanges(path string, b, a podTemplate) []violation {
	var vs []violation
	for _, f := range []struct{ field, means string }{
		{"hostNetwork", "the pods share the node's network"},
		{"hostPID", "the pods see the node's processes"},
		{"hostIPC", "the pods share the node's IPC"},
	} {
		if scalar(a.spec, f.field) == "true" && scalar(b.spec, f.field) != "true" {
			vs = append(vs, violation{RulePrivilege, fmt.Sprintf("set %s.%s: true (%s)", path, f.field, f.means)})
		}
	}
	hostPaths := func(spec map[string]any) []string {
		var out []string
		for _, v := range items(spec, "volumes") {
			if hp := child(v, "hostPath"); hp != nil {
				out = append(out, scalar(v, "name")+"="+scalar(hp, "path"))
			}
		}
		return out
	}
	for _, hp := range added(hostPaths(b.spec), hostPaths(a.spec)) {
		name, dir, _ := strings.Cut(hp, "=")
		name = label(name)
		vs = append(vs, violation{RulePrivilege, fmt.Sprintf("mount the node's directory %s into the pods (%s.volumes[name=%s].hostPath)", quote(dir), path, name)})
	}
	vs = append(vs, securityChanges("the pod", path+".securityContext", child(b.spec, "securityContext"), child(a.spec, "securityContext"))...)
	for k, v := range a.annotations {
		s, _ := v.(string)
		was, _ := b.annotations[k].(string)
		if unconfinedAnnotation(k) && strings.EqualFold(s, "unconfined") && !strings.EqualFold(was, "unconfined") {
			vs = append(vs, violation{RulePrivilege, fmt.Sprintf("set annotation %s: %s (no AppArmor or seccomp confinement)", quote(k), quote(s))})
		}
	}
	sa := func(spec map[string]any) string {
		for _, k := range []string{"serviceAccountName", "serviceAccount"} {
			if s := scalar(spec, k); s != "" {
				return s
			}
		}
		return "default"
	}
	if was, now := sa(b.spec), sa(a.spec); was != now {
		vs = append(vs, violation{RuleIdentity, fmt.Sprintf("run the pods as ServiceAccount %s instead of %s (%s.serviceAccountName)", quote(now), quote(was), path)})
	}
	was, now := scalar(b.spec, "automountServiceAccountToken"), scalar(a.spec, "automountServiceAccountToken")
	if (now == "true" && was != "true") || (was == "false" && now != "false") {
		vs = append(vs, violation{RuleIdentity, fmt.Sprintf("mount the ServiceAccount's token into the pods (%s.automountServiceAccountToken was %s, now %s)", path, orUnset(was), orUnset(now))})
	}
	for _, v := range added(tokenVolumes(b.spec), tokenVolumes(a.spec)) {
		vs = append(vs, violation{RuleIdentity, fmt.Sprintf("mount a ServiceAccount token into the pods (%s.volumes[name=%s].projected serviceAccountToken)", path, label(v))})
	}
	return vs
}

// tokenVolumes names the volumes projecting a ServiceAccount token.
func tokenVolumes(spec map[string]any) []string {
	var out []string
	for _, v := range items(spec, "volumes") {
		for _, s := range items(child(v, "projected"), "sources") {
			if child(s, "serviceAccountToken") != nil {
				out = append(out, scalar(v, "name"))
			}
		}
	}
	return out
}

func unconfinedAnnotation(k string) bool {
	return strings.HasPrefix(k, "container.apparmor.security.beta.kubernetes.io/") ||
		strings.HasPrefix(k, "seccomp.security.alpha.kubernetes.io/") ||
		strings.HasPrefix(k, "container.seccomp.security.alpha.kubernetes.io/")
}

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}

// securityChanges are the privilege violations between two
// securityContexts (a pod's or a container's) at path; who is "the pod"
// or `container "web"`.
func securityChanges(who, path string, b, a map[string]any) []violation {
	var vs []violation
	add := func(format string, args ...any) {
		vs = append(vs, violation{RulePrivilege, fmt.Sprintf(format, args...)})
	}
	if scalar(a, "privileged") == "true" && scalar(b, "privileged") != "true" {
		add("make %s privileged (%s.privileged: true)", who, path)
	}
	was, now := scalar(b, "allowPrivilegeEscalation"), scalar(a, "allowPrivilegeEscalation")
	if (now == "true" && was != "true") || (was == "false" && now != "false") {
		add("let %s gain privileges (%s.allowPrivilegeEscalation was %s, now %s)", who, path, orUnset(was), orUnset(now))
	}
	if now, was := scalar(a, "runAsUser"), scalar(b, "runAsUser"); now == "0" && was != "0" {
		add("run %s as root (%s.runAsUser: 0)", who, path)
	}
	was, now = scalar(b, "runAsNonRoot"), scalar(a, "runAsNonRoot")
	if (now == "false" && was != "false") || (was == "true" && now != "true") {
		add("let %s run as root (%s.runAsNonRoot was %s, now %s)", who, path, orUnset(was), orUnset(now))
	}
	for _, prof := range []string{"seccompProfile", "appArmorProfile"} {
		if now := scalar(child(a, prof), "type"); now == "Unconfined" && scalar(child(b, prof), "type") != now {
			add("run %s unconfined (%s.%s.type: Unconfined)", who, path, prof)
		}
	}
	if now := scalar(a, "procMount"); now != "" && now != "Default" && now != scalar(b, "procMount") {
		add("give %s an unmasked /proc (%s.procMount: %s)", who, path, quote(now))
	}
	caps := func(m map[string]any, key string) []string {
		var out []string
		for _, c := range stringList(child(m, "capabilities"), key) {
			out = append(out, strings.TrimPrefix(strings.ToUpper(c), "CAP_"))
		}
		return out
	}
	for _, c := range added(caps(b, "add"), caps(a, "add")) {
		add("add capability %s to %s (%s.capabilities.add)", quote(c), who, path)
	}
	for _, c := range added(caps(a, "drop"), caps(b, "drop")) {
		add("stop dropping capability %s from %s (%s.capabilities.drop)", quote(c), who, path)
	}
	return vs
}

// hostPortChanges are the host ports a container opens that it did not.
func hostPortChanges(who string, b, a map[string]any) []violation {
	var vs []violation
	for _, hp := range added(openPorts(b, "hostPort"), openPorts(a, "hostPort")) {
		vs = append(vs, violation{RulePrivilege, fmt.Sprintf("open port %s on the node for %s (ports[].hostPort)", hp, who)})
	}
	return vs
}

// openPorts are the non-zero values of field in m's ports (a container's
// hostPort, a Service's nodePort).
func openPorts(m map[string]any, field string) []string {
	var out []string
	for _, p := range items(m, "ports") {
		if v := scalar(p, field); v != "" && v != "0" {
			out = append(out, v)
		}
	}
	return out
}

// registryChanges are the images from registries no pod template of the
// object used before the change.
func registryChanges(bt, at map[string]podTemplate, paths []string) []violation {
	var known []string
	for _, t := range bt {
		for _, list := range containerLists {
			for _, c := range items(t.spec, list) {
				if img := scalar(c, "image"); img != "" {
					known = append(known, registry(img))
				}
			}
		}
	}
	slices.Sort(known)
	known = slices.Compact(known)
	used := "none"
	if len(known) > 0 {
		used = strings.Join(known, ", ")
	}
	var vs []violation
	for _, p := range paths {
		for _, list := range containerLists {
			for _, c := range items(at[p].spec, list) {
				img := scalar(c, "image")
				if img == "" || slices.Contains(known, registry(img)) {
					continue
				}
				vs = append(vs, violation{RuleImageRegistry, fmt.Sprintf("run image %s in %s %s from registry %s, which the workload did not use (it used: %s)",
					quote(img), strings.TrimSuffix(list, "s"), quote(scalar(c, "name")), quote(registry(img)), used)})
			}
		}
	}
	return vs
}

// registry is the registry an image is pulled from, as the container
// runtime reads the reference: the part before the first "/" when it has
// a "." or ":" or is localhost, else Docker Hub. (The whole rule; a
// reference library would add validation this check does not need.)
func registry(image string) string {
	host, _, found := strings.Cut(image, "/")
	if !found || (!strings.ContainsAny(host, ".:") && host != "localhost") {
		return "docker.io"
	}
	host = strings.ToLower(host)
	if host == "index.docker.io" || host == "registry-1.docker.io" {
		return "docker.io"
	}
	return host
}
