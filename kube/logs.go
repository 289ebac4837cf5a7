package kube

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LogsRequest selects container logs. Pod may be a pod name or
// "deployment/NAME" (also deploy/, statefulset/, daemonset/, job/), as with kubectl.
type LogsRequest struct {
	Namespace    string
	Pod          string
	Container    string
	Previous     bool
	Tail         int64
	SinceSeconds int64
	// Grep keeps only lines matching this case-insensitive regular expression.
	Grep string
	// MaxBytes caps the answer (default ReaderOptions.LogBytes); the newest lines are kept.
	MaxBytes int
}

// Logs returns container logs, filtered, capped and redacted.
func (r *Reader) Logs(ctx context.Context, req LogsRequest) (string, error) {
	if req.Namespace == "" {
		return "", fmt.Errorf("logs need a namespace")
	}
	var grep *regexp.Regexp
	if req.Grep != "" {
		re, err := regexp.Compile("(?i)" + req.Grep)
		if err != nil {
			return "", fmt.Errorf("grep %q is not a valid regular expression: %w", req.Grep, err)
		}
		grep = re
	}
	pod, note, err := r.logsPod(ctx, req.Namespace, req.Pod)
	if err != nil {
		return "", err
	}
	container := req.Container
	if container == "" {
		if len(pod.Spec.Containers) == 0 {
			return "", fmt.Errorf("pod %q has no containers", pod.Name)
		}
		container = pod.Spec.Containers[0].Name
		if len(pod.Spec.Containers) > 1 {
			note += fmt.Sprintf("Defaulted container %q out of: %s\n", container, containerNames(pod))
		}
	}
	opts := &corev1.PodLogOptions{Container: container, Previous: req.Previous}
	if req.Tail > 0 {
		opts.TailLines = &req.Tail
	}
	if req.SinceSeconds > 0 {
		opts.SinceSeconds = &req.SinceSeconds
	}
	raw, err := r.core.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, opts).DoRaw(ctx)
	if err != nil {
		return "", fmt.Errorf("logs of %s/%s container %q%s: %w", pod.Namespace, pod.Name, container, previousNote(req.Previous), ReadError(err, "pods/log", pod.Namespace, pod.Name))
	}
	text := string(raw)
	if grep != nil {
		var kept []string
		for _, l := range strings.Split(text, "\n") {
			if grep.MatchString(l) {
				kept = append(kept, l)
			}
		}
		text = strings.Join(kept, "\n")
	}
	max := req.MaxBytes
	if max <= 0 {
		max = r.logBytes
	}
	if len(text) > max {
		cut := len(text) - max
		// Drop the partly cut line, unless the cut is at a line start or that
		// line is the newest one (its end is better than nothing).
		if i := strings.IndexByte(text[cut:], '\n'); text[cut-1] != '\n' && i >= 0 && cut+i+1 < len(text) {
			cut += i + 1
		}
		note += fmt.Sprintf("[%d earlier bytes omitted; narrow with tail, since or grep]\n", cut)
		text = text[cut:]
	}
	if strings.TrimSpace(text) == "" {
		text = "(no log lines)"
	}
	return note + r.redact.Text(text), nil
}

func previousNote(prev bool) string {
	if prev {
		return " (previous)"
	}
	return ""
}

func containerNames(p *corev1.Pod) string {
	names := make([]string, 0, len(p.Spec.Containers))
	for _, c := range p.Spec.Containers {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// logsPod resolves "NAME" or "KIND/NAME" to one pod, like kubectl logs does:
// for a workload, the newest of its pods that is not ready, else the newest.
func (r *Reader) logsPod(ctx context.Context, ns, ref string) (*corev1.Pod, string, error) {
	kind, name, found := strings.Cut(ref, "/")
	if !found {
		kind, name = "pod", ref
	}
	if name == "" {
		return nil, "", fmt.Errorf("logs need a pod name (or deployment/NAME)")
	}
	switch strings.ToLower(kind) {
	case "pod", "pods", "po":
		p, err := r.core.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, "", ReadError(err, "pods", ns, name)
		}
		return p, "", nil
	}
	m, err := r.mapping(kind)
	if err != nil {
		return nil, "", err
	}
	u, err := r.dyn.Resource(m.Resource).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, "", ReadError(err, m.Resource.Resource, ns, name)
	}
	sel, err := workloadSelector(u.Object)
	if err != nil {
		return nil, "", fmt.Errorf("%s %q: %w", m.Resource.Resource, name, err)
	}
	pods, err := r.core.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, "", ReadError(err, "pods", ns, "")
	}
	if len(pods.Items) == 0 {
		return nil, "", fmt.Errorf("%s %q has no pods (selector %s)", m.Resource.Resource, name, sel)
	}
	items := pods.Items
	sort.SliceStable(items, func(i, j int) bool {
		ri, rj := PodReady(&items[i]), PodReady(&items[j])
		if ri != rj {
			return !ri
		}
		return items[j].CreationTimestamp.Before(&items[i].CreationTimestamp)
	})
	p := items[0]
	note := ""
	if len(items) > 1 {
		note = fmt.Sprintf("Found %d pods, using pod/%s\n", len(items), p.Name)
	}
	return &p, note, nil
}

func workloadSelector(obj map[string]any) (string, error) {
	spec, _ := obj["spec"].(map[string]any)
	sel, _ := spec["selector"].(map[string]any)
	ml, _ := sel["matchLabels"].(map[string]any)
	if len(ml) == 0 {
		return "", fmt.Errorf("no spec.selector.matchLabels to find its pods")
	}
	keys := make([]string, 0, len(ml))
	for k := range ml {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, ml[k]))
	}
	return strings.Join(parts, ","), nil
}

// PodReady reports whether p has the Ready condition.
func PodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
