package analyze

import (
	"context"
	"slices"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// sweep is the Source of one Run: what several analyzers list is listed
// once per namespace and handed to each of them; the rest passes through
// to the underlying Source. The lists are shared: analyzers read them and
// never modify them.
//
// A sweep of one namespace may have a parent, a whole-cluster sweep over
// the same Source (see Shared): then it reads the namespace's part of the
// parent's lists (no second list; no copy when the namespace's objects
// are contiguous, as the API server lists them). Where the parent could
// not list a kind cluster-wide (RBAC bound to one namespace, say), the
// namespace lists it itself, as a sweep of its own would.
type sweep struct {
	Source
	parent *sweep
	// ofCluster marks one namespace's part of a whole-cluster run: a
	// cluster-scoped list it may not read is then an error, as it is for
	// the whole cluster (see skipForbidden).
	ofCluster bool
	mu        sync.Mutex
	lists     map[sweepKey]*sweepList
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

// shared lists what (its key in the sweep) in ns once per sweep, or
// takes ns's part of the parent's list; namespace is an item's namespace.
func shared[T any](ctx context.Context, s *sweep, what, ns string, list func(context.Context, string) ([]T, error), namespace func(*T) string) ([]T, error) {
	l := s.list(what, ns)
	l.once.Do(func() {
		if s.parent != nil && ns == "" {
			l.items, l.err = shared(context.WithoutCancel(ctx), s.parent, what, "", list, namespace)
			return
		}
		if s.parent != nil && ns != "" {
			// The parent's lists outlive this caller: its cancellation
			// must not become their error.
			all, err := shared(context.WithoutCancel(ctx), s.parent, what, "", list, namespace)
			if err == nil {
				l.items = inNamespace(all, ns, namespace)
				return
			}
		}
		l.items, l.err = list(ctx, ns)
	})
	items, _ := l.items.([]T)
	return items, l.err
}

// child is a sweep of namespace ns ("" for the whole cluster) over s's
// lists, whose pods are pods: the part of a paged pod list being analysed.
func (s *sweep) child(ns string, pods []corev1.Pod) *sweep {
	c := newSweep(s.Source)
	c.parent = s
	l := c.list("pods", ns)
	l.once.Do(func() { l.items = pods })
	return c
}

// namespaces are the namespaces that hold objects of a kind the analyzers
// read, from s's cluster-wide lists (what a list cannot tell is left out:
// its analyzers report the error where they run).
func (s *sweep) namespaces(ctx context.Context) []string {
	seen := map[string]bool{}
	add := func(ns []string) {
		for _, n := range ns {
			seen[n] = true
		}
	}
	add(namespacesIn(s.Services(ctx, "")))
	add(namespacesIn(s.Deployments(ctx, "")))
	add(namespacesIn(s.StatefulSets(ctx, "")))
	add(namespacesIn(s.DaemonSets(ctx, "")))
	add(namespacesIn(s.ReplicaSets(ctx, "")))
	add(namespacesIn(s.Jobs(ctx, "")))
	add(namespacesIn(s.CronJobs(ctx, "")))
	add(namespacesIn(s.ConfigMaps(ctx, "")))
	add(namespacesIn(s.PersistentVolumeClaims(ctx, "")))
	add(namespacesIn(s.ResourceQuotas(ctx, "")))
	add(namespacesIn(s.HorizontalPodAutoscalers(ctx, "")))
	add(namespacesIn(s.Ingresses(ctx, "")))
	add(namespacesIn(s.NetworkPolicies(ctx, "")))
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// namespacesIn lists the namespaces of items; none when the list failed.
func namespacesIn[T any, PT interface {
	*T
	GetNamespace() string
}](items []T, err error) []string {
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(items))
	for i := range items {
		out = append(out, PT(&items[i]).GetNamespace())
	}
	return out
}

func (s *sweep) Pods(ctx context.Context, ns string) ([]corev1.Pod, error) {
	return shared(ctx, s, "pods", ns, s.Source.Pods, namespaceOf[corev1.Pod])
}

func (s *sweep) ReplicaSets(ctx context.Context, ns string) ([]appsv1.ReplicaSet, error) {
	return shared(ctx, s, "replicasets", ns, s.Source.ReplicaSets, namespaceOf[appsv1.ReplicaSet])
}

func (s *sweep) Deployments(ctx context.Context, ns string) ([]appsv1.Deployment, error) {
	return shared(ctx, s, "deployments", ns, s.Source.Deployments, namespaceOf[appsv1.Deployment])
}

func (s *sweep) StatefulSets(ctx context.Context, ns string) ([]appsv1.StatefulSet, error) {
	return shared(ctx, s, "statefulsets", ns, s.Source.StatefulSets, namespaceOf[appsv1.StatefulSet])
}

func (s *sweep) DaemonSets(ctx context.Context, ns string) ([]appsv1.DaemonSet, error) {
	return shared(ctx, s, "daemonsets", ns, s.Source.DaemonSets, namespaceOf[appsv1.DaemonSet])
}

func (s *sweep) Jobs(ctx context.Context, ns string) ([]batchv1.Job, error) {
	return shared(ctx, s, "jobs", ns, s.Source.Jobs, namespaceOf[batchv1.Job])
}

func (s *sweep) CronJobs(ctx context.Context, ns string) ([]batchv1.CronJob, error) {
	return shared(ctx, s, "cronjobs", ns, s.Source.CronJobs, namespaceOf[batchv1.CronJob])
}

func (s *sweep) Services(ctx context.Context, ns string) ([]corev1.Service, error) {
	return shared(ctx, s, "services", ns, s.Source.Services, namespaceOf[corev1.Service])
}

func (s *sweep) PersistentVolumeClaims(ctx context.Context, ns string) ([]corev1.PersistentVolumeClaim, error) {
	return shared(ctx, s, "persistentvolumeclaims", ns, s.Source.PersistentVolumeClaims, namespaceOf[corev1.PersistentVolumeClaim])
}

func (s *sweep) Ingresses(ctx context.Context, ns string) ([]networkingv1.Ingress, error) {
	return shared(ctx, s, "ingresses", ns, s.Source.Ingresses, namespaceOf[networkingv1.Ingress])
}

func (s *sweep) EndpointSlices(ctx context.Context, ns string) ([]discoveryv1.EndpointSlice, error) {
	return shared(ctx, s, "endpointslices", ns, s.Source.EndpointSlices, namespaceOf[discoveryv1.EndpointSlice])
}

// IngressClasses and StorageClasses are cluster-scoped: listed once per
// sweep, and a namespace's sweep reads its parent's.
func (s *sweep) IngressClasses(ctx context.Context) ([]networkingv1.IngressClass, error) {
	return shared(ctx, s, "ingressclasses", "", func(ctx context.Context, _ string) ([]networkingv1.IngressClass, error) {
		return s.Source.IngressClasses(ctx)
	}, nil)
}

func (s *sweep) StorageClasses(ctx context.Context) ([]storagev1.StorageClass, error) {
	return shared(ctx, s, "storageclasses", "", func(ctx context.Context, _ string) ([]storagev1.StorageClass, error) {
		return s.Source.StorageClasses(ctx)
	}, nil)
}

func (s *sweep) ConfigMaps(ctx context.Context, ns string) ([]corev1.ConfigMap, error) {
	return shared(ctx, s, "configmaps", ns, s.Source.ConfigMaps, namespaceOf[corev1.ConfigMap])
}

func (s *sweep) SecretNames(ctx context.Context, ns string) ([]kube.ObjectRef, error) {
	return shared(ctx, s, "secrets", ns, s.Source.SecretNames, func(r *kube.ObjectRef) string { return r.Namespace })
}

func (s *sweep) ResourceQuotas(ctx context.Context, ns string) ([]corev1.ResourceQuota, error) {
	return shared(ctx, s, "resourcequotas", ns, s.Source.ResourceQuotas, namespaceOf[corev1.ResourceQuota])
}

func (s *sweep) HorizontalPodAutoscalers(ctx context.Context, ns string) ([]autoscalingv2.HorizontalPodAutoscaler, error) {
	return shared(ctx, s, "horizontalpodautoscalers", ns, s.Source.HorizontalPodAutoscalers, namespaceOf[autoscalingv2.HorizontalPodAutoscaler])
}

func (s *sweep) NetworkPolicies(ctx context.Context, ns string) ([]networkingv1.NetworkPolicy, error) {
	return shared(ctx, s, "networkpolicies", ns, s.Source.NetworkPolicies, namespaceOf[networkingv1.NetworkPolicy])
}

func (s *sweep) EventsWithReason(ctx context.Context, ns, reason string) ([]corev1.Event, error) {
	return shared(ctx, s, "events reason="+reason, ns, func(ctx context.Context, ns string) ([]corev1.Event, error) {
		return s.Source.EventsWithReason(ctx, ns, reason)
	}, namespaceOf[corev1.Event])
}
