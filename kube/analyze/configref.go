package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// configRefAnalyzer finds pod templates that reference ConfigMaps, Secrets
// or ConfigMap keys that do not exist: their pods cannot start
// (CreateContainerConfigError, a volume that never mounts) or, for
// imagePullSecrets, cannot pull from a private registry. It reads the spec
// only; Secrets are listed as names (metadata), never their data.
type configRefAnalyzer struct{}

var _ Analyzer = configRefAnalyzer{}

// podTemplate is a pod spec to check: the object holding it, the workload
// to fix (nil: none that a patch could fix, like a bare Pod) and the JSON
// pointer of the spec in that object.
type podTemplate struct {
	Object kube.ObjectRef
	Owner  *kube.ObjectRef
	Path   string
	Spec   *corev1.PodSpec
}

// configIndex is what exists: ConfigMaps with their keys and Secret names,
// by namespace/name.
type configIndex struct {
	configMaps map[string]map[string]bool
	secrets    map[string]bool
}

func (configRefAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	ts, err := podTemplates(ctx, src, s.Namespace)
	if err != nil || len(ts) == 0 {
		return nil, err
	}
	cms, err := src.ConfigMaps(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	secrets, err := src.SecretNames(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	idx := configIndex{configMaps: map[string]map[string]bool{}, secrets: map[string]bool{}}
	for _, cm := range cms {
		keys := map[string]bool{}
		for k := range cm.Data {
			keys[k] = true
		}
		for k := range cm.BinaryData {
			keys[k] = true
		}
		idx.configMaps[cm.Namespace+"/"+cm.Name] = keys
	}
	for _, sec := range secrets {
		idx.secrets[sec.Namespace+"/"+sec.Name] = true
	}
	var out []kube.Finding
	for _, t := range ts {
		out = append(out, checkConfigRefs(t, idx)...)
	}
	return out, nil
}

// podTemplates lists every pod spec a fix would target: workloads' templates
// and the pods no known controller owns. A pod of a ReplicaSet is covered by
// the ReplicaSet, which is covered by its Deployment, and so on.
func podTemplates(ctx context.Context, src Source, ns string) ([]podTemplate, error) {
	var out []podTemplate
	add := func(kind string, m *metav1.ObjectMeta, path string, spec *corev1.PodSpec, parents ...string) {
		t := podTemplate{Object: kube.ObjectRef{Kind: kind, Namespace: m.Namespace, Name: m.Name}, Path: path, Spec: spec}
		switch c := metav1.GetControllerOfNoCopy(m); {
		case c != nil && slices.Contains(parents, c.Kind):
			return // checked on the parent's template
		case c != nil:
			t.Owner = &kube.ObjectRef{Kind: c.Kind, Namespace: m.Namespace, Name: c.Name}
		case kind != "Pod": // a bare pod's spec cannot be patched
			self := t.Object
			t.Owner = &self
		}
		out = append(out, t)
	}
	deps, err := src.Deployments(ctx, ns)
	if err != nil {
		return nil, err
	}
	for i := range deps {
		add("Deployment", &deps[i].ObjectMeta, "/spec/template/spec", &deps[i].Spec.Template.Spec)
	}
	sts, err := src.StatefulSets(ctx, ns)
	if err != nil {
		return nil, err
	}
	for i := range sts {
		add("StatefulSet", &sts[i].ObjectMeta, "/spec/template/spec", &sts[i].Spec.Template.Spec)
	}
	rss, err := src.ReplicaSets(ctx, ns)
	if err != nil {
		return nil, err
	}
	for i := range rss {
		add("ReplicaSet", &rss[i].ObjectMeta, "/spec/template/spec", &rss[i].Spec.Template.Spec, "Deployment")
	}
	dss, err := src.DaemonSets(ctx, ns)
	if err != nil {
		return nil, err
	}
	for i := range dss {
		add("DaemonSet", &dss[i].ObjectMeta, "/spec/template/spec", &dss[i].Spec.Template.Spec)
	}
	cjs, err := src.CronJobs(ctx, ns)
	if err != nil {
		return nil, err
	}
	for i := range cjs {
		add("CronJob", &cjs[i].ObjectMeta, "/spec/jobTemplate/spec/template/spec", &cjs[i].Spec.JobTemplate.Spec.Template.Spec)
	}
	jobs, err := src.Jobs(ctx, ns)
	if err != nil {
		return nil, err
	}
	for i := range jobs {
		add("Job", &jobs[i].ObjectMeta, "/spec/template/spec", &jobs[i].Spec.Template.Spec, "CronJob")
	}
	pods, err := src.Pods(ctx, ns)
	if err != nil {
		return nil, err
	}
	for i := range pods {
		add("Pod", &pods[i].ObjectMeta, "/spec", &pods[i].Spec, "ReplicaSet", "StatefulSet", "DaemonSet", "Job")
	}
	return out, nil
}

// configRefs lists the spec's required references; optional ones are left
// out, since a pod starts without them.
func configRefs(spec *corev1.PodSpec, base string) []kube.ConfigRef {
	var out []kube.ConfigRef
	for _, r := range kube.ConfigRefs(spec, base) {
		if !r.Optional {
			out = append(out, r)
		}
	}
	return out
}

// checkConfigRefs is the pure rule: one finding per missing ConfigMap or
// Secret, and per missing key of an existing ConfigMap, with every place
// of the template that names it.
func checkConfigRefs(t podTemplate, idx configIndex) []kube.Finding {
	ns := t.Object.Namespace
	type group struct {
		kind, name, key string
		refs            []kube.ConfigRef
	}
	var order []string
	groups := map[string]*group{}
	for _, ref := range configRefs(t.Spec, t.Path) {
		var g group
		switch {
		case ref.Name == "":
			continue // the API server's validation speaks to that
		case ref.Kind == "Secret" && !idx.secrets[ns+"/"+ref.Name]:
			g = group{kind: "Secret", name: ref.Name}
		case ref.Kind != "ConfigMap":
			continue
		case idx.configMaps[ns+"/"+ref.Name] == nil:
			g = group{kind: "ConfigMap", name: ref.Name}
		case ref.Key != "" && !idx.configMaps[ns+"/"+ref.Name][ref.Key]:
			g = group{kind: "ConfigMap", name: ref.Name, key: ref.Key}
		default:
			continue
		}
		id := g.kind + "/" + g.name + "/" + g.key
		if groups[id] == nil {
			groups[id] = &g
			order = append(order, id)
		}
		groups[id].refs = append(groups[id].refs, ref)
	}
	var out []kube.Finding
	for _, id := range order {
		g := groups[id]
		if g.key != "" {
			out = append(out, missingKeyFinding(t, g.name, g.key, g.refs, keysOf(idx.configMaps[ns+"/"+g.name])))
			continue
		}
		out = append(out, missingObjectFinding(t, g.kind, g.name, g.refs, idx.names(g.kind, ns)))
	}
	return out
}

// names returns the names of the ConfigMaps or Secrets in ns, sorted.
func (idx configIndex) names(kind, ns string) []string {
	var out []string
	add := func(key string) {
		if n, ok := strings.CutPrefix(key, ns+"/"); ok {
			out = append(out, n)
		}
	}
	if kind == "Secret" {
		for k := range idx.secrets {
			add(k)
		}
	} else {
		for k := range idx.configMaps {
			add(k)
		}
	}
	sort.Strings(out)
	return out
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func missingObjectFinding(t podTemplate, kind, name string, refs []kube.ConfigRef, existing []string) kube.Finding {
	sev, what := kube.Critical, "its pods cannot start"
	pullOnly := true
	for _, r := range refs {
		pullOnly = pullOnly && r.PullSecret
	}
	if pullOnly {
		sev, what = kube.Warning, "images from a private registry cannot be pulled"
	}
	var ev []string
	for _, r := range refs {
		if e := fmt.Sprintf("%s names %s %q", r.Where, kind, name); !slices.Contains(ev, e) {
			ev = append(ev, e) // a volume's items name it once each
		}
	}
	docs := "https://kubernetes.io/docs/concepts/configuration/configmap/"
	if kind == "Secret" {
		docs = "https://kubernetes.io/docs/concepts/configuration/secret/"
	}
	f := kube.Finding{
		Object: t.Object, Owner: t.Owner, Severity: sev, Reason: kind + "NotFound",
		Message:  fmt.Sprintf("%s %s references %s %q, which does not exist in namespace %s, so %s", t.Object.Kind, t.Object.Name, kind, name, t.Object.Namespace, what),
		Evidence: ev, Docs: docs,
		Fix: fmt.Sprintf("Create %s %q in namespace %s, or correct the reference.", kind, name, t.Object.Namespace),
	}
	near := nearMiss(name, existing)
	if near == "" {
		return f
	}
	f.Evidence = append(f.Evidence, fmt.Sprintf("near miss: %s %q exists", kind, near))
	f.Fix = fmt.Sprintf("%s %q exists: point the reference at it, or create %q.", kind, near, name)
	f.Proposal = referenceFix(t, refs, false, name, near, fmt.Sprintf("%s %q does not exist; %q does and is the only name that close.", kind, name, near))
	return f
}

func missingKeyFinding(t podTemplate, cm, key string, refs []kube.ConfigRef, keys []string) kube.Finding {
	ev := make([]string, 0, len(refs)+2)
	for _, r := range refs {
		ev = append(ev, fmt.Sprintf("%s reads key %q of ConfigMap %s", r.Where, key, cm))
	}
	ev = append(ev, fmt.Sprintf("ConfigMap %s has the keys %s", cm, strings.Join(keys, ", ")))
	f := kube.Finding{
		Object: t.Object, Owner: t.Owner, Severity: kube.Critical, Reason: "ConfigMapKeyNotFound",
		Message:  fmt.Sprintf("%s %s reads key %q of ConfigMap %s, which has no such key, so its pods cannot start", t.Object.Kind, t.Object.Name, key, cm),
		Evidence: ev, Docs: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/",
		Fix: fmt.Sprintf("Add key %q to ConfigMap %s, or correct the key in the reference.", key, cm),
	}
	near := nearMiss(key, keys)
	if near == "" {
		return f
	}
	f.Evidence = append(f.Evidence, fmt.Sprintf("near miss: key %q exists", near))
	f.Fix = fmt.Sprintf("ConfigMap %s has key %q: read that one, or add %q.", cm, near, key)
	f.Proposal = referenceFix(t, refs, true, key, near, fmt.Sprintf("ConfigMap %s has no key %q; %q is the only key that close.", cm, key, near))
	return f
}

// referenceFix is a JSON patch on the owning workload that replaces the
// wrong name (or key) at each place that names it, each guarded by a test
// of the old value. Nil when the template cannot be patched: a Pod's spec
// and a Job's template are immutable, and a template another controller
// owns would be put back by it.
func referenceFix(t podTemplate, refs []kube.ConfigRef, key bool, from, to, why string) *kube.Fix {
	if t.Owner == nil || *t.Owner != t.Object || t.Object.Kind == "Job" {
		return nil
	}
	var ops []map[string]string
	seen := map[string]bool{}
	for _, r := range refs {
		p := r.NamePath
		if key {
			p = r.KeyPath
		}
		if !seen[p] {
			seen[p] = true
			ops = append(ops, map[string]string{"op": "test", "path": p, "value": from}, map[string]string{"op": "replace", "path": p, "value": to})
		}
	}
	patch, _ := json.Marshal(ops)
	return &kube.Fix{
		Target:    kube.Target{Kind: t.Object.Kind, Namespace: t.Object.Namespace, Name: t.Object.Name},
		Operation: kube.OpJSONPatch, Patch: patch,
		Rationale: why + " The patch changes only the reference, in the pod template.",
		Risk:      fmt.Sprintf("The %s rolls out new pods, which read %q instead of %q: check that it holds what they expect.", t.Object.Kind, to, from),
		Expected:  fmt.Sprintf("%s's new pods start", t.Object.Name),
	}
}
