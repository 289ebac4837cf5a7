package fixer

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubertnetes/kubertnetes/kube"
)

// VerifyOptions bound a verification. The zero value is the default.
type VerifyOptions struct {
	// Timeout is how long to wait for the expected effect (default 2m).
	Timeout time.Duration
	// Settle is how long the target must stay healthy with unchanged
	// restart counts before it counts as verified (default a quarter of
	// Timeout, at most 30 s).
	Settle time.Duration
	// Interval is how often the target is read (default 1 s).
	Interval time.Duration
}

func (o VerifyOptions) withDefaults() VerifyOptions {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Settle <= 0 {
		o.Settle = min(o.Timeout/4, 30*time.Second)
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	return o
}

// Verification is the outcome of watching an applied fix.
type Verification struct {
	Verified bool
	// Seen is what was checked and found right.
	Seen []string
	// Problems is what is still wrong when not verified.
	Problems []string
	Elapsed  time.Duration
}

// Summary is one line for people: what was seen, or what is still wrong.
func (v Verification) Summary() string {
	if v.Verified {
		return strings.Join(v.Seen, "; ")
	}
	return strings.Join(v.Problems, "; ")
}

// Reason is the first thing still wrong, and how many more there are:
// short enough for a rollback's rationale.
func (v Verification) Reason() string {
	switch len(v.Problems) {
	case 0:
		return "verified"
	case 1:
		return v.Problems[0]
	default:
		return fmt.Sprintf("%s (and %d more problems)", v.Problems[0], len(v.Problems)-1)
	}
}

// observation is one look at the target.
type observation struct {
	seen, problems []string
	restarts       map[string]int32
}

// Verify watches an applied fix's target until the expected effect is
// seen for the settle window, or the timeout passes: a workload's rollout
// complete and its pods Ready with restart counts not rising and no
// container in CrashLoopBackOff; a Service with ready endpoints; a PVC
// Bound; a deleted pod gone and its controller's pods healthy. It reads
// with the Fixer's identity. The error is only ever ctx's.
func (f *Fixer) Verify(ctx context.Context, a Applied, opts VerifyOptions) (Verification, error) {
	opts = opts.withDefaults()
	start := f.now()
	deadline := start.Add(opts.Timeout)
	var (
		last         observation
		healthy      bool
		healthySince time.Time
		counts       map[string]int32
	)
	for {
		last = f.observe(ctx, a)
		now := f.now()
		switch {
		case len(last.problems) > 0:
			healthy = false
		case !healthy:
			healthy, healthySince, counts = true, now, last.restarts
		default:
			if risen := risenRestarts(counts, last.restarts); len(risen) > 0 {
				last.problems = risen
				healthySince, counts = now, last.restarts
			} else if now.Sub(healthySince) >= opts.Settle {
				return Verification{Verified: true, Seen: last.seen, Elapsed: now.Sub(start)}, nil
			}
		}
		if !now.Before(deadline) {
			problems := last.problems
			if len(problems) == 0 && healthy {
				problems = []string{fmt.Sprintf("healthy for only %s of the %s it must stay healthy", now.Sub(healthySince).Round(time.Second), opts.Settle)}
			}
			return Verification{Seen: last.seen, Problems: problems, Elapsed: now.Sub(start)}, nil
		}
		select {
		case <-ctx.Done():
			return Verification{Seen: last.seen, Problems: last.problems, Elapsed: f.now().Sub(start)}, fmt.Errorf("verify %s: %w", a.Preview.Fix.Target, ctx.Err())
		case <-time.After(min(opts.Interval, deadline.Sub(now))):
		}
	}
}

// observe reads the target and whatever shows the fix's effect.
func (f *Fixer) observe(ctx context.Context, a Applied) observation {
	p := a.Preview
	t := p.Fix.Target
	if p.Fix.Operation == kube.OpDeletePod {
		return f.observeDeletedPod(ctx, a)
	}
	obj, err := resource(f.dyn, p).Get(ctx, t.Name, metav1.GetOptions{})
	if err != nil {
		return observation{problems: []string{fmt.Sprintf("read %s: %v", t, err)}}
	}
	var o observation
	switch p.GroupKind().String() {
	case "Deployment.apps", "StatefulSet.apps", "DaemonSet.apps", "ReplicaSet.apps":
		// The pods first: their state is the cause, a stuck rollout the effect.
		rolloutSeen, rolloutProblems := checkRollout(obj)
		pods, err := f.selectedPods(ctx, obj)
		if err != nil {
			o.problems = append(o.problems, err.Error())
		} else {
			seen, problems, restarts := checkPods(pods)
			o.restarts = restarts
			o.add(seen, problems)
		}
		o.add(rolloutSeen, rolloutProblems)
	case "Service":
		sel, _, _ := unstructured.NestedStringMap(obj.Object, "spec", "selector")
		if len(sel) == 0 {
			o.add(fmt.Sprintf("service %s has no selector: its endpoints are managed outside Kubernetes", t.Name), nil)
			break
		}
		list, err := f.core.DiscoveryV1().EndpointSlices(t.Namespace).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + t.Name})
		if err != nil {
			o.problems = append(o.problems, fmt.Sprintf("list endpoints of service %s: %v", t.Name, err))
			break
		}
		o.add(checkEndpoints(t.Name, list.Items))
	case "PersistentVolumeClaim":
		var pvc corev1.PersistentVolumeClaim
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, &pvc); err != nil {
			o.problems = append(o.problems, err.Error())
			break
		}
		o.add(checkPVC(&pvc))
	default:
		o.add(fmt.Sprintf("%s is at the applied version; kubertnetes has no health signal for %s objects", strings.ToLower(p.Kind)+"/"+t.Name, p.Kind), nil)
	}
	return o
}

func (o *observation) add(seen string, problems []string) {
	if seen != "" {
		o.seen = append(o.seen, seen)
	}
	o.problems = append(o.problems, problems...)
}

// selectedPods lists the pods a workload selects.
func (f *Fixer) selectedPods(ctx context.Context, obj *unstructured.Unstructured) ([]corev1.Pod, error) {
	raw, found, _ := unstructured.NestedMap(obj.Object, "spec", "selector")
	if !found {
		return nil, fmt.Errorf("%s %s has no selector", obj.GetKind(), obj.GetName())
	}
	var ls metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &ls); err != nil {
		return nil, fmt.Errorf("selector of %s: %w", obj.GetName(), err)
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil, fmt.Errorf("selector of %s: %w", obj.GetName(), err)
	}
	list, err := f.core.CoreV1().Pods(obj.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("list pods of %s: %w", obj.GetName(), err)
	}
	return list.Items, nil
}

// observeDeletedPod: the pod is gone, and the pods of its controller (its
// replacement among them) are healthy.
func (f *Fixer) observeDeletedPod(ctx context.Context, a Applied) observation {
	t := a.Preview.Fix.Target
	cur, err := f.core.CoreV1().Pods(t.Namespace).Get(ctx, t.Name, metav1.GetOptions{})
	switch {
	case err == nil && cur.UID == a.UID:
		return observation{problems: []string{fmt.Sprintf("pod %s is still there (terminating)", t.Name)}}
	case err != nil && !apierrors.IsNotFound(err):
		return observation{problems: []string{fmt.Sprintf("read pod %s: %v", t.Name, err)}}
	}
	o := observation{seen: []string{fmt.Sprintf("pod %s is gone", t.Name)}}
	owner := metav1.GetControllerOf(a.Before)
	if owner == nil {
		return o
	}
	list, err := f.core.CoreV1().Pods(t.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		o.problems = append(o.problems, fmt.Sprintf("list the pods of %s %s: %v", owner.Kind, owner.Name, err))
		return o
	}
	var siblings []corev1.Pod
	for _, p := range list.Items {
		if c := metav1.GetControllerOf(&p); c != nil && c.UID == owner.UID {
			siblings = append(siblings, p)
		}
	}
	if len(siblings) == 0 {
		o.problems = append(o.problems, fmt.Sprintf("%s %s has not replaced the pod yet", strings.ToLower(owner.Kind), owner.Name))
		return o
	}
	seen, problems, restarts := checkPods(siblings)
	o.add(seen, problems)
	o.restarts = maps.Clone(restarts)
	return o
}
