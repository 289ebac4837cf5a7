package analyzetest

import (
	"cmp"
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

// Objects are a Source's cluster. Kinds left out are empty.
type Objects struct {
	Pods        []corev1.Pod
	ReplicaSets []appsv1.ReplicaSet
	Deployments []appsv1.Deployment
	Services    []corev1.Service
	ConfigMaps  []corev1.ConfigMap
	Nodes       []corev1.Node
	Events      []corev1.Event
}

// Source serves Objects. Gate, if set, runs before each list (what is the
// kind, "pods", ns its namespace): a test may block there, or return an
// error for the list to fail with.
type Source struct {
	objs Objects
	Gate func(ctx context.Context, what, ns string) error

	mu    sync.Mutex
	lists map[[2]string]int
}

// NewSource returns a Source serving objs.
func NewSource(objs Objects) *Source {
	return &Source{objs: objs, lists: map[[2]string]int{}}
}

// Lists is how many times the kind what was listed in ns ("" for all).
func (s *Source) Lists(what, ns string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists[[2]string{what, ns}]
}

func list[T any](ctx context.Context, s *Source, what, ns string, items []T, namespace func(*T) string) ([]T, error) {
	s.mu.Lock()
	s.lists[[2]string{what, ns}]++
	s.mu.Unlock()
	if s.Gate != nil {
		if err := s.Gate(ctx, what, ns); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []T
	for i := range items {
		if ns == "" || namespace(&items[i]) == ns {
			out = append(out, items[i])
		}
	}
	return out, nil
}

// PodPages serves the pods in pages of two, grouped by namespace and
// sorted by name as the API server lists them (Objects may interleave
// them). It counts as one list of pods.
func (s *Source) PodPages(ctx context.Context, ns string, page func([]corev1.Pod) error) error {
	pods, err := s.Pods(ctx, ns)
	if err != nil {
		return err
	}
	pods = slices.Clone(pods)
	slices.SortStableFunc(pods, func(a, b corev1.Pod) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	for i := 0; i < len(pods); i += 2 {
		if err := page(pods[i:min(i+2, len(pods))]); err != nil {
			return err
		}
	}
	return nil
}

func (s *Source) Pods(ctx context.Context, ns string) ([]corev1.Pod, error) {
	return list(ctx, s, "pods", ns, s.objs.Pods, func(o *corev1.Pod) string { return o.Namespace })
}

func (s *Source) ReplicaSets(ctx context.Context, ns string) ([]appsv1.ReplicaSet, error) {
	return list(ctx, s, "replicasets", ns, s.objs.ReplicaSets, func(o *appsv1.ReplicaSet) string { return o.Namespace })
}

func (s *Source) Deployments(ctx context.Context, ns string) ([]appsv1.Deployment, error) {
	return list(ctx, s, "deployments", ns, s.objs.Deployments, func(o *appsv1.Deployment) string { return o.Namespace })
}

func (s *Source) Services(ctx context.Context, ns string) ([]corev1.Service, error) {
	return list(ctx, s, "services", ns, s.objs.Services, func(o *corev1.Service) string { return o.Namespace })
}

func (s *Source) ConfigMaps(ctx context.Context, ns string) ([]corev1.ConfigMap, error) {
	return list(ctx, s, "configmaps", ns, s.objs.ConfigMaps, func(o *corev1.ConfigMap) string { return o.Namespace })
}

func (s *Source) Nodes(ctx context.Context) ([]corev1.Node, error) {
	return list(ctx, s, "nodes", "", s.objs.Nodes, func(*corev1.Node) string { return "" })
}

func (s *Source) EventsWithReason(ctx context.Context, ns, reason string) ([]corev1.Event, error) {
	evs, err := list(ctx, s, "events", ns, s.objs.Events, func(o *corev1.Event) string { return o.Namespace })
	var out []corev1.Event
	for _, e := range evs {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out, err
}

func (s *Source) EventList(ctx context.Context, req kube.EventsRequest) ([]corev1.Event, error) {
	return list(ctx, s, "events", req.Namespace, s.objs.Events, func(o *corev1.Event) string { return o.Namespace })
}

// The kinds Objects has no field for are empty.

func (s *Source) StatefulSets(context.Context, string) ([]appsv1.StatefulSet, error) { return nil, nil }
func (s *Source) DaemonSets(context.Context, string) ([]appsv1.DaemonSet, error)     { return nil, nil }
func (s *Source) Jobs(context.Context, string) ([]batchv1.Job, error)                { return nil, nil }
func (s *Source) CronJobs(context.Context, string) ([]batchv1.CronJob, error)        { return nil, nil }
func (s *Source) EndpointSlices(context.Context, string) ([]discoveryv1.EndpointSlice, error) {
	return nil, nil
}
func (s *Source) SecretNames(context.Context, string) ([]kube.ObjectRef, error) { return nil, nil }
func (s *Source) PersistentVolumeClaims(context.Context, string) ([]corev1.PersistentVolumeClaim, error) {
	return nil, nil
}
func (s *Source) ResourceQuotas(context.Context, string) ([]corev1.ResourceQuota, error) {
	return nil, nil
}
func (s *Source) HorizontalPodAutoscalers(context.Context, string) ([]autoscalingv2.HorizontalPodAutoscaler, error) {
	return nil, nil
}
func (s *Source) Ingresses(context.Context, string) ([]networkingv1.Ingress, error) { return nil, nil }
func (s *Source) NetworkPolicies(context.Context, string) ([]networkingv1.NetworkPolicy, error) {
	return nil, nil
}
func (s *Source) IngressClasses(context.Context) ([]networkingv1.IngressClass, error) {
	return nil, nil
}
func (s *Source) StorageClasses(context.Context) ([]storagev1.StorageClass, error) { return nil, nil }
func (s *Source) Logs(context.Context, kube.LogsRequest) (string, error)           { return "", nil }
func (s *Source) Serves(context.Context, string) (bool, error)                     { return true, nil }
func (s *Source) Redactor() kube.Redactor                                          { return kube.Redactor{} }
