package analyze

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// PodPager is a Source that can hand over a cluster-wide pod list page by
// page (*kube.Reader can). A whole-cluster Run over one then holds one
// namespace's pods at a time instead of every pod in the cluster: the API
// server lists pods grouped by namespace, so each namespace is analysed
// as soon as its last pod has arrived, and dropped.
type PodPager interface {
	PodPages(ctx context.Context, ns string, page func([]corev1.Pod) error) error
}

// errNotGrouped stops a paged run whose pods did not arrive grouped by
// namespace; the run starts again as one whole-cluster sweep.
var errNotGrouped = errors.New("pods not grouped by namespace")

// runByNamespace is a whole-cluster Run that streams pods. Every analyzer
// but the node analyzer runs once per namespace, scoped to it, over the
// namespace's pods and the namespace's part of the other kinds (listed
// once, cluster-wide: they are few next to pods); namespaces with no pods
// are analysed after the stream. The node analyzer runs once over the
// whole cluster, fed the pending pods only, which is all it reads of them
// when unscoped. ok is false when the pods cannot be paged (a forbidden
// cluster-wide list, an expired continue token, pods out of order): the
// caller then runs the whole-cluster sweep instead.
func runByNamespace(ctx context.Context, src Source, pager PodPager) (fs []kube.Finding, err error, ok bool) {
	// Analyzers recover their own panics; one in the Source outside them
	// (paging, finding the namespaces) sends the run to the whole-cluster
	// sweep, where it happens inside an analyzer and becomes its error.
	defer func() {
		if p := recover(); p != nil {
			fs, err, ok = nil, nil, false
		}
	}()
	parent := newSweep(src)
	var (
		out     []kube.Finding
		msgs    []string
		pending []corev1.Pod
		done    = map[string]bool{}
		cur     []corev1.Pod
		curNS   string
	)
	analyzeNS := func(ns string, pods []corev1.Pod) {
		done[ns] = true
		part := parent.child(ns, pods)
		part.ofCluster = true
		f, err := analyzeAll(ctx, part, ns, func(a NamedAnalyzer) bool { return a.Name != nodeAnalyzerName })
		out = append(out, f...)
		if err != nil {
			msgs = appendNew(msgs, strings.Split(err.Error(), "; ")...)
		}
	}
	flush := func() {
		if len(cur) > 0 {
			for i := range cur {
				if unschedulableMessage(&cur[i]) != "" {
					pending = append(pending, cur[i])
				}
			}
			analyzeNS(curNS, cur)
			cur = nil
		}
	}
	perr := pager.PodPages(ctx, "", func(page []corev1.Pod) error {
		for i := range page {
			if ns := page[i].Namespace; ns != curNS || cur == nil {
				flush()
				if done[ns] {
					return errNotGrouped
				}
				curNS = ns
			}
			cur = append(cur, page[i])
		}
		return nil
	})
	if perr != nil {
		return nil, nil, false
	}
	flush()
	for _, ns := range parent.namespaces(ctx) {
		if !done[ns] {
			analyzeNS(ns, []corev1.Pod{})
		}
	}
	nodes, err := analyzeAll(ctx, parent.child("", pending), "", func(a NamedAnalyzer) bool { return a.Name == nodeAnalyzerName })
	out = append(out, nodes...)
	if err != nil {
		msgs = appendNew(msgs, err.Error())
	}
	kube.SortFindings(out)
	if len(msgs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(msgs, "; ")), true
	}
	return out, nil, true
}

// appendNew appends the messages not in msgs yet: a cluster-wide list that
// fails, fails for every namespace.
func appendNew(msgs []string, more ...string) []string {
	for _, m := range more {
		if !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	return msgs
}
