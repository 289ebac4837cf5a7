package kube

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
	if err := validNamespace(req.Namespace); err != nil {
		return "", err
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
	opts := corev1.PodLogOptions{Container: container, Previous: req.Previous}
	if req.SinceSeconds > 0 {
		opts.SinceSeconds = &req.SinceSeconds
	}
	text, readNote, err := r.readLog(ctx, pod, opts, req.Tail)
	if err != nil {
		return "", fmt.Errorf("logs of %s/%s container %q%s: %w", pod.Namespace, pod.Name, container, previousNote(req.Previous), ReadError(err, "pods/log", pod.Namespace, pod.Name))
	}
	note += readNote
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

// What one logs call reads from the kubelet, before grep and the answer's
// cap (LogsRequest.MaxBytes): at most the newest LogReadLines lines, and of
// those at most LogReadBytes. A huge log is never read whole.
const (
	LogReadBytes = 2 << 20
	LogReadLines = 10_000
)

// readLog reads the newest lines of a container's log, at most tail of them
// (LogReadLines when tail is 0) and at most LogReadBytes. The kubelet
// returns the last tail lines cut at LimitBytes, which drops the newest
// ones when they do not fit: then it asks again for fewer lines. note says
// what was left unread.
func (r *Reader) readLog(ctx context.Context, pod *corev1.Pod, opts corev1.PodLogOptions, want int64) (text, note string, err error) {
	tail := want
	if tail <= 0 || tail > LogReadLines {
		tail = LogReadLines
	}
	limit := int64(LogReadBytes)
	opts.LimitBytes = &limit
	for attempt := 0; ; attempt++ {
		opts.TailLines = &tail
		raw, err := r.streamLog(ctx, pod, &opts, limit)
		if err != nil {
			return "", "", err
		}
		lines := int64(bytes.Count(raw, []byte("\n")))
		fits := int64(len(raw)) < limit
		switch {
		case fits && lines >= tail && (want <= 0 || tail < want):
			return string(raw), fmt.Sprintf("[only the newest %d lines were read (one call reads at most %d lines and %d MiB); narrow with since or grep]\n", tail, LogReadLines, LogReadBytes>>20), nil
		case fits:
			return string(raw), "", nil
		case lines < 2 || attempt == 3:
			return string(raw), fmt.Sprintf("[the log was cut after %d MiB: its newest lines may be missing; narrow with tail, since or grep]\n", LogReadBytes>>20), nil
		}
		tail = lines * 3 / 4 // fewer lines than filled limit: the newest fit
	}
}

// streamLog reads at most limit bytes of one container's log, even from a
// server that ignores LimitBytes.
func (r *Reader) streamLog(ctx context.Context, pod *corev1.Pod, opts *corev1.PodLogOptions, limit int64) ([]byte, error) {
	rc, err := r.core.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, opts).Stream(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, limit))
	if err != nil {
		return nil, fmt.Errorf("read log: %w", err)
	}
	return raw, nil
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
	if err := validName(name); err != nil {
		return nil, "", err
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
