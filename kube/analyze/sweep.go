package analyze

import (
	"context"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// sweep is the Source of one Run: what several analyzers list is listed
// once per namespace and handed to each of them; the rest passes through
// to the underlying Source. The lists are shared: analyzers read them and
// never modify them.
type sweep struct {
	Source
	mu    sync.Mutex
	lists map[sweepKey]*sweepList
}

type sweepKey struct{ what, namespace string }

type sweepList struct {
	once  sync.Once
	items any
	err   error
}

func newSweep(src Source) *sweep {
	return &sweep{Source: src, lists: map[sweepKey]*sweepList{}}
}

func (s *sweep) list(what, ns string) *sweepList {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := sweepKey{what, ns}
	l := s.lists[k]
	if l == nil {
		l = &sweepList{}
		s.lists[k] = l
	}
	return l
}

// shared lists what (its key in the sweep) in ns once per sweep.
func shared[T any](ctx context.Context, s *sweep, what, ns string, list func(context.Context, string) ([]T, error)) ([]T, error) {
	l := s.list(what, ns)
	l.once.Do(func() { l.items, l.err = list(ctx, ns) })
	items, _ := l.items.([]T)
	return items, l.err
}

func (s *sweep) Pods(ctx context.Context, ns string) ([]corev1.Pod, error) {
	return shared(ctx, s, "pods", ns, s.Source.Pods)
}

func (s *sweep) ReplicaSets(ctx context.Context, ns string) ([]appsv1.ReplicaSet, error) {
	return shared(ctx, s, "replicasets", ns, s.Source.ReplicaSets)
}

func (s *sweep) Deployments(ctx context.Context, ns string) ([]appsv1.Deployment, error) {
	return shared(ctx, s, "deployments", ns, s.Source.Deployments)
}

func (s *sweep) StatefulSets(ctx context.Context, ns string) ([]appsv1.StatefulSet, error) {
	return shared(ctx, s, "statefulsets", ns, s.Source.StatefulSets)
}

func (s *sweep) DaemonSets(ctx context.Context, ns string) ([]appsv1.DaemonSet, error) {
	return shared(ctx, s, "daemonsets", ns, s.Source.DaemonSets)
}

func (s *sweep) Jobs(ctx context.Context, ns string) ([]batchv1.Job, error) {
	return shared(ctx, s, "jobs", ns, s.Source.Jobs)
}

func (s *sweep) CronJobs(ctx context.Context, ns string) ([]batchv1.CronJob, error) {
	return shared(ctx, s, "cronjobs", ns, s.Source.CronJobs)
}

func (s *sweep) Services(ctx context.Context, ns string) ([]corev1.Service, error) {
	return shared(ctx, s, "services", ns, s.Source.Services)
}

func (s *sweep) ConfigMaps(ctx context.Context, ns string) ([]corev1.ConfigMap, error) {
	return shared(ctx, s, "configmaps", ns, s.Source.ConfigMaps)
}

func (s *sweep) SecretNames(ctx context.Context, ns string) ([]kube.ObjectRef, error) {
	return shared(ctx, s, "secrets", ns, s.Source.SecretNames)
}

func (s *sweep) ResourceQuotas(ctx context.Context, ns string) ([]corev1.ResourceQuota, error) {
	return shared(ctx, s, "resourcequotas", ns, s.Source.ResourceQuotas)
}

func (s *sweep) HorizontalPodAutoscalers(ctx context.Context, ns string) ([]autoscalingv2.HorizontalPodAutoscaler, error) {
	return shared(ctx, s, "horizontalpodautoscalers", ns, s.Source.HorizontalPodAutoscalers)
}

func (s *sweep) NetworkPolicies(ctx context.Context, ns string) ([]networkingv1.NetworkPolicy, error) {
	return shared(ctx, s, "networkpolicies", ns, s.Source.NetworkPolicies)
}

func (s *sweep) EventsWithReason(ctx context.Context, ns, reason string) ([]corev1.Event, error) {
	return shared(ctx, s, "events reason="+reason, ns, func(ctx context.Context, ns string) ([]corev1.Event, error) {
		return s.Source.EventsWithReason(ctx, ns, reason)
	})
}
