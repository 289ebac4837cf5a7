package fixer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// maxReaders bounds the rollouts one plan adds: a ConfigMap read by more
// workloads than this is a change to plan by hand.
const maxReaders = 20

// Plan previews fix and the steps that must follow it for it to take
// effect: when it patches a ConfigMap or Secret, a rollout restart of
// every Deployment, StatefulSet and DaemonSet in its namespace whose pods
// read it (env, envFrom, volumes, projected volumes), since a running
// container does not re-read its environment. The steps are approved
// together and applied in order; the first is the fix itself.
func (f *Fixer) Plan(ctx context.Context, fix kube.Fix) ([]kube.Preview, error) {
	first, err := f.Preview(ctx, fix)
	if err != nil {
		return nil, err
	}
	steps := []kube.Preview{*first}
	if first.Group != "" || (first.Kind != "ConfigMap" && first.Kind != "Secret") || fix.Operation == kube.OpCreate {
		return steps, nil
	}
	t := fix.Target
	readers, err := f.readersOf(ctx, first.Kind, t.Namespace, t.Name)
	if err != nil {
		return nil, fmt.Errorf("find the workloads that read %s: %w", t, err)
	}
	if len(readers) > maxReaders {
		return nil, fmt.Errorf("%s is read by %d workloads, more than the %d one fix may restart; change it and restart them in smaller steps", t, len(readers), maxReaders)
	}
	for _, r := range readers {
		restart := kube.Fix{
			Target:    r.target,
			Operation: kube.OpRolloutRestart,
			Rationale: fmt.Sprintf("its pods read %s/%s (%s) only when they start: restart them so they pick up the change", strings.ToLower(first.Kind), t.Name, r.where),
			Risk:      "pods are replaced one by one as in any rollout",
			Expected:  "the rollout completes and the new pods become Ready",
		}
		pv, err := f.Preview(ctx, restart)
		if err != nil {
			return nil, fmt.Errorf("preview the restart of %s that %s needs: %w", r.target, t, err)
		}
		steps = append(steps, *pv)
	}
	return steps, nil
}

// reader is a workload whose pod template reads a ConfigMap or Secret.
type reader struct {
	target kube.Target
	where  string
}

// readersOf lists the workloads in ns whose pod template names the
// ConfigMap or Secret kind/name, in a stable order.
func (f *Fixer) readersOf(ctx context.Context, kind, ns, name string) ([]reader, error) {
	apps := f.core.AppsV1()
	var out []reader
	add := func(k, n string, spec *corev1.PodSpec) {
		var where []string
		for _, ref := range kube.ConfigRefs(spec, "") {
			if ref.Kind == kind && ref.Name == name && !ref.PullSecret && !slices.Contains(where, ref.Where) {
				where = append(where, ref.Where)
			}
		}
		if len(where) > 0 {
			out = append(out, reader{target: kube.Target{Kind: k, Namespace: ns, Name: n}, where: strings.Join(where, ", ")})
		}
	}
	deps, err := apps.Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for i := range deps.Items {
		add("Deployment", deps.Items[i].Name, &deps.Items[i].Spec.Template.Spec)
	}
	sts, err := apps.StatefulSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for i := range sts.Items {
		add("StatefulSet", sts.Items[i].Name, &sts.Items[i].Spec.Template.Spec)
	}
	dss, err := apps.DaemonSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for i := range dss.Items {
		add("DaemonSet", dss.Items[i].Name, &dss.Items[i].Spec.Template.Spec)
	}
	slices.SortFunc(out, func(a, b reader) int {
		return strings.Compare(a.target.Kind+"/"+a.target.Name, b.target.Kind+"/"+b.target.Name)
	})
	return out, nil
}
