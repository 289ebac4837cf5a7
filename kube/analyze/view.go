package analyze

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// namespaceView is the Source of a namespace's analysis run beside a
// whole-cluster sweep: the kinds the sweep shares are its lists' part in
// the namespace, read as they are (no second list, no copy when the
// namespace's objects are contiguous, as the API server returns them);
// the rest passes through to the sweep's Source. Where the sweep could
// not list a kind cluster-wide (RBAC bound to one namespace, say), the
// namespace lists it itself, as a sweep of its own would.
type namespaceView struct{ *sweep }

// part is the namespace ns's part of the cluster-wide list all, or own's
// list of ns if all failed.
func part[T any](ctx context.Context, ns string, all, own func(context.Context, string) ([]T, error), namespace func(*T) string) ([]T, error) {
	if ns == "" {
		return all(ctx, "")
	}
	// The sweep's lists outlive this caller: its cancellation must not
	// become their error.
	items, err := all(context.WithoutCancel(ctx), "")
	if err != nil {
		return own(ctx, ns)
	}
	return inNamespace(items, ns, namespace), nil
}

// namespaceOf is an API object's namespace, for part.
func namespaceOf[T any, PT interface {
	*T
	GetNamespace() string
}](o *T) string {
	return PT(o).GetNamespace()
}

// inNamespace returns the items in ns, in order: a subslice (capped, so an
// append cannot write into the shared list) when they are contiguous.
func inNamespace[T any](items []T, ns string, namespace func(*T) string) []T {
	lo, hi := -1, -1
	for i := range items {
		if namespace(&items[i]) == ns {
			if lo < 0 {
				lo = i
			}
			hi = i + 1
		}
	}
	if lo < 0 {
		return nil
	}
	sub := items[lo:hi:hi]
	for i := range sub {
		if namespace(&sub[i]) != ns {
			var out []T
			for j := range sub {
				if namespace(&sub[j]) == ns {
					out = append(out, sub[j])
				}
			}
			return out
		}
	}
	return sub
}

func (v namespaceView) Pods(ctx context.Context, ns string) ([]corev1.Pod, error) {
	return part(ctx, ns, v.sweep.Pods, v.Source.Pods, namespaceOf[corev1.Pod])
}

func (v namespaceView) ReplicaSets(ctx context.Context, ns string) ([]appsv1.ReplicaSet, error) {
	return part(ctx, ns, v.sweep.ReplicaSets, v.Source.ReplicaSets, namespaceOf[appsv1.ReplicaSet])
}

func (v namespaceView) Deployments(ctx context.Context, ns string) ([]appsv1.Deployment, error) {
	return part(ctx, ns, v.sweep.Deployments, v.Source.Deployments, namespaceOf[appsv1.Deployment])
}

func (v namespaceView) StatefulSets(ctx context.Context, ns string) ([]appsv1.StatefulSet, error) {
	return part(ctx, ns, v.sweep.StatefulSets, v.Source.StatefulSets, namespaceOf[appsv1.StatefulSet])
}

func (v namespaceView) DaemonSets(ctx context.Context, ns string) ([]appsv1.DaemonSet, error) {
	return part(ctx, ns, v.sweep.DaemonSets, v.Source.DaemonSets, namespaceOf[appsv1.DaemonSet])
}

func (v namespaceView) Jobs(ctx context.Context, ns string) ([]batchv1.Job, error) {
	return part(ctx, ns, v.sweep.Jobs, v.Source.Jobs, namespaceOf[batchv1.Job])
}

func (v namespaceView) CronJobs(ctx context.Context, ns string) ([]batchv1.CronJob, error) {
	return part(ctx, ns, v.sweep.CronJobs, v.Source.CronJobs, namespaceOf[batchv1.CronJob])
}

func (v namespaceView) Services(ctx context.Context, ns string) ([]corev1.Service, error) {
	return part(ctx, ns, v.sweep.Services, v.Source.Services, namespaceOf[corev1.Service])
}

func (v namespaceView) ConfigMaps(ctx context.Context, ns string) ([]corev1.ConfigMap, error) {
	return part(ctx, ns, v.sweep.ConfigMaps, v.Source.ConfigMaps, namespaceOf[corev1.ConfigMap])
}

func (v namespaceView) SecretNames(ctx context.Context, ns string) ([]kube.ObjectRef, error) {
	return part(ctx, ns, v.sweep.SecretNames, v.Source.SecretNames, func(r *kube.ObjectRef) string { return r.Namespace })
}

func (v namespaceView) ResourceQuotas(ctx context.Context, ns string) ([]corev1.ResourceQuota, error) {
	return part(ctx, ns, v.sweep.ResourceQuotas, v.Source.ResourceQuotas, namespaceOf[corev1.ResourceQuota])
}

func (v namespaceView) HorizontalPodAutoscalers(ctx context.Context, ns string) ([]autoscalingv2.HorizontalPodAutoscaler, error) {
	return part(ctx, ns, v.sweep.HorizontalPodAutoscalers, v.Source.HorizontalPodAutoscalers, namespaceOf[autoscalingv2.HorizontalPodAutoscaler])
}

func (v namespaceView) NetworkPolicies(ctx context.Context, ns string) ([]networkingv1.NetworkPolicy, error) {
	return part(ctx, ns, v.sweep.NetworkPolicies, v.Source.NetworkPolicies, namespaceOf[networkingv1.NetworkPolicy])
}

func (v namespaceView) EventsWithReason(ctx context.Context, ns, reason string) ([]corev1.Event, error) {
	byReason := func(list func(context.Context, string, string) ([]corev1.Event, error)) func(context.Context, string) ([]corev1.Event, error) {
		return func(ctx context.Context, ns string) ([]corev1.Event, error) { return list(ctx, ns, reason) }
	}
	return part(ctx, ns, byReason(v.sweep.EventsWithReason), byReason(v.Source.EventsWithReason), namespaceOf[corev1.Event])
}

var _ Source = namespaceView{}

// byNamespace groups items by namespace without copying them when each
// namespace's items are contiguous, as the API server lists them.
func byNamespace[T any](items []T, namespace func(*T) string) map[string][]T {
	out := map[string][]T{}
	for i := 0; i < len(items); {
		ns, j := namespace(&items[i]), i+1
		for j < len(items) && namespace(&items[j]) == ns {
			j++
		}
		if prev, ok := out[ns]; ok { // not contiguous: copy
			out[ns] = append(append([]T(nil), prev...), items[i:j]...)
		} else {
			out[ns] = items[i:j:j]
		}
		i = j
	}
	return out
}
