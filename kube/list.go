package kube

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

// The typed lists below are what the analyzers read (see kube/analyze).
// Each reads every page (listPageSize objects a request, over protobuf),
// drops what no analyzer reads and costs the most memory (managedFields,
// the last-applied copy), and words errors like every other read (a
// forbidden list is still apierrors.IsForbidden). ns "" means all
// namespaces. Unlike the text the Reader returns, these objects are not
// redacted: rules read env and ConfigMap values, and the analysis redacts
// the findings it reports (Redactor.Finding).

// listPageSize is how many objects one list request asks for: a big
// cluster is read page by page, never in one response.
const listPageSize = 500

// pageFunc lists one page and returns its items and continue token.
type pageFunc[T any] func(ctx context.Context, opts metav1.ListOptions) ([]T, string, error)

// listPages reads every page. A continue token that expired (the list took
// longer than the server keeps it) restarts the list in one request.
// what names the resource for errors.
func listPages[T any](ctx context.Context, what, ns string, page pageFunc[T]) ([]T, error) {
	opts := metav1.ListOptions{Limit: listPageSize}
	var out []T
	for {
		items, next, err := page(ctx, opts)
		if apierrors.IsResourceExpired(err) && opts.Continue != "" {
			out, opts = nil, metav1.ListOptions{}
			continue
		}
		if err != nil {
			return nil, ReadError(err, what, ns, "")
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		opts.Continue = next
	}
}

// typedPages adapts a typed client's List to a pageFunc that slims each item.
func typedPages[T any, PT interface {
	*T
	metav1.Object
}, L interface{ GetContinue() string }](list func(context.Context, metav1.ListOptions) (L, error), items func(L) []T) pageFunc[T] {
	return func(ctx context.Context, o metav1.ListOptions) ([]T, string, error) {
		l, err := list(ctx, o)
		if err != nil {
			return nil, "", err
		}
		its := items(l)
		for i := range its {
			slim(PT(&its[i]))
		}
		return its, l.GetContinue(), nil
	}
}

// slim drops what no analyzer reads and costs the most memory.
func slim(m metav1.Object) {
	m.SetManagedFields(nil)
	if a := m.GetAnnotations(); a != nil {
		delete(a, lastApplied)
	}
}

// Pods lists the pods in ns.
func (r *Reader) Pods(ctx context.Context, ns string) ([]corev1.Pod, error) {
	return listPages(ctx, "pods", ns, typedPages(r.lists.CoreV1().Pods(ns).List, func(l *corev1.PodList) []corev1.Pod { return l.Items }))
}

// PodPages hands the pods in ns ("" for all) to page one list page at a
// time, in the API server's order (grouped by namespace, by name within
// one), so a caller need not hold them all; page's error stops the list.
// An expired continue token is an error here: the caller has already
// used the pages before it.
func (r *Reader) PodPages(ctx context.Context, ns string, page func([]corev1.Pod) error) error {
	next := typedPages(r.lists.CoreV1().Pods(ns).List, func(l *corev1.PodList) []corev1.Pod { return l.Items })
	opts := metav1.ListOptions{Limit: listPageSize}
	for {
		items, cont, err := next(ctx, opts)
		if err != nil {
			return ReadError(err, "pods", ns, "")
		}
		if err := page(items); err != nil {
			return err
		}
		if cont == "" {
			return nil
		}
		opts.Continue = cont
	}
}

// ReplicaSets lists the ReplicaSets in ns.
func (r *Reader) ReplicaSets(ctx context.Context, ns string) ([]appsv1.ReplicaSet, error) {
	return listPages(ctx, "replicasets", ns, typedPages(r.lists.AppsV1().ReplicaSets(ns).List, func(l *appsv1.ReplicaSetList) []appsv1.ReplicaSet { return l.Items }))
}

// Deployments lists the Deployments in ns.
func (r *Reader) Deployments(ctx context.Context, ns string) ([]appsv1.Deployment, error) {
	return listPages(ctx, "deployments", ns, typedPages(r.lists.AppsV1().Deployments(ns).List, func(l *appsv1.DeploymentList) []appsv1.Deployment { return l.Items }))
}

// StatefulSets lists the StatefulSets in ns.
func (r *Reader) StatefulSets(ctx context.Context, ns string) ([]appsv1.StatefulSet, error) {
	return listPages(ctx, "statefulsets", ns, typedPages(r.lists.AppsV1().StatefulSets(ns).List, func(l *appsv1.StatefulSetList) []appsv1.StatefulSet { return l.Items }))
}

// DaemonSets lists the DaemonSets in ns.
func (r *Reader) DaemonSets(ctx context.Context, ns string) ([]appsv1.DaemonSet, error) {
	return listPages(ctx, "daemonsets", ns, typedPages(r.lists.AppsV1().DaemonSets(ns).List, func(l *appsv1.DaemonSetList) []appsv1.DaemonSet { return l.Items }))
}

// Jobs lists the Jobs in ns.
func (r *Reader) Jobs(ctx context.Context, ns string) ([]batchv1.Job, error) {
	return listPages(ctx, "jobs", ns, typedPages(r.lists.BatchV1().Jobs(ns).List, func(l *batchv1.JobList) []batchv1.Job { return l.Items }))
}

// CronJobs lists the CronJobs in ns.
func (r *Reader) CronJobs(ctx context.Context, ns string) ([]batchv1.CronJob, error) {
	return listPages(ctx, "cronjobs", ns, typedPages(r.lists.BatchV1().CronJobs(ns).List, func(l *batchv1.CronJobList) []batchv1.CronJob { return l.Items }))
}

// Services lists the Services in ns.
func (r *Reader) Services(ctx context.Context, ns string) ([]corev1.Service, error) {
	return listPages(ctx, "services", ns, typedPages(r.lists.CoreV1().Services(ns).List, func(l *corev1.ServiceList) []corev1.Service { return l.Items }))
}

// EndpointSlices lists the EndpointSlices in ns.
func (r *Reader) EndpointSlices(ctx context.Context, ns string) ([]discoveryv1.EndpointSlice, error) {
	return listPages(ctx, "endpointslices", ns, typedPages(r.lists.DiscoveryV1().EndpointSlices(ns).List, func(l *discoveryv1.EndpointSliceList) []discoveryv1.EndpointSlice { return l.Items }))
}

// ConfigMaps lists the ConfigMaps in ns, data included.
func (r *Reader) ConfigMaps(ctx context.Context, ns string) ([]corev1.ConfigMap, error) {
	return listPages(ctx, "configmaps", ns, typedPages(r.lists.CoreV1().ConfigMaps(ns).List, func(l *corev1.ConfigMapList) []corev1.ConfigMap { return l.Items }))
}

// PersistentVolumeClaims lists the claims in ns.
func (r *Reader) PersistentVolumeClaims(ctx context.Context, ns string) ([]corev1.PersistentVolumeClaim, error) {
	return listPages(ctx, "persistentvolumeclaims", ns, typedPages(r.lists.CoreV1().PersistentVolumeClaims(ns).List, func(l *corev1.PersistentVolumeClaimList) []corev1.PersistentVolumeClaim { return l.Items }))
}

// ResourceQuotas lists the ResourceQuotas in ns.
func (r *Reader) ResourceQuotas(ctx context.Context, ns string) ([]corev1.ResourceQuota, error) {
	return listPages(ctx, "resourcequotas", ns, typedPages(r.lists.CoreV1().ResourceQuotas(ns).List, func(l *corev1.ResourceQuotaList) []corev1.ResourceQuota { return l.Items }))
}

// HorizontalPodAutoscalers lists the HPAs (autoscaling/v2) in ns.
func (r *Reader) HorizontalPodAutoscalers(ctx context.Context, ns string) ([]autoscalingv2.HorizontalPodAutoscaler, error) {
	return listPages(ctx, "horizontalpodautoscalers", ns, typedPages(r.lists.AutoscalingV2().HorizontalPodAutoscalers(ns).List, func(l *autoscalingv2.HorizontalPodAutoscalerList) []autoscalingv2.HorizontalPodAutoscaler {
		return l.Items
	}))
}

// Ingresses lists the Ingresses in ns.
func (r *Reader) Ingresses(ctx context.Context, ns string) ([]networkingv1.Ingress, error) {
	return listPages(ctx, "ingresses", ns, typedPages(r.lists.NetworkingV1().Ingresses(ns).List, func(l *networkingv1.IngressList) []networkingv1.Ingress { return l.Items }))
}

// NetworkPolicies lists the NetworkPolicies in ns.
func (r *Reader) NetworkPolicies(ctx context.Context, ns string) ([]networkingv1.NetworkPolicy, error) {
	return listPages(ctx, "networkpolicies", ns, typedPages(r.lists.NetworkingV1().NetworkPolicies(ns).List, func(l *networkingv1.NetworkPolicyList) []networkingv1.NetworkPolicy { return l.Items }))
}

// Nodes lists the cluster's nodes.
func (r *Reader) Nodes(ctx context.Context) ([]corev1.Node, error) {
	return listPages(ctx, "nodes", "", typedPages(r.lists.CoreV1().Nodes().List, func(l *corev1.NodeList) []corev1.Node { return l.Items }))
}

// IngressClasses lists the cluster's IngressClasses.
func (r *Reader) IngressClasses(ctx context.Context) ([]networkingv1.IngressClass, error) {
	return listPages(ctx, "ingressclasses", "", typedPages(r.lists.NetworkingV1().IngressClasses().List, func(l *networkingv1.IngressClassList) []networkingv1.IngressClass { return l.Items }))
}

// StorageClasses lists the cluster's StorageClasses.
func (r *Reader) StorageClasses(ctx context.Context) ([]storagev1.StorageClass, error) {
	return listPages(ctx, "storageclasses", "", typedPages(r.lists.StorageV1().StorageClasses().List, func(l *storagev1.StorageClassList) []storagev1.StorageClass { return l.Items }))
}

// SecretNames lists Secrets as metadata only (namespace/name): their data
// never leaves the API server.
func (r *Reader) SecretNames(ctx context.Context, ns string) ([]ObjectRef, error) {
	res := corev1.SchemeGroupVersion.WithResource("secrets")
	return listPages(ctx, "secrets", ns, func(ctx context.Context, o metav1.ListOptions) ([]ObjectRef, string, error) {
		l, err := r.meta.Resource(res).Namespace(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		out := make([]ObjectRef, 0, len(l.Items))
		for _, s := range l.Items {
			out = append(out, ObjectRef{Kind: "Secret", Namespace: s.Namespace, Name: s.Name})
		}
		return out, l.Continue, nil
	})
}

// EventsWithReason lists the events of one reason (FailedCreate, say) in
// ns, filtered by the API server.
func (r *Reader) EventsWithReason(ctx context.Context, ns, reason string) ([]corev1.Event, error) {
	sel := fields.OneTermEqualSelector("reason", reason).String()
	list := func(ctx context.Context, o metav1.ListOptions) (*corev1.EventList, error) {
		o.FieldSelector = sel
		return r.lists.CoreV1().Events(ns).List(ctx, o)
	}
	return listPages(ctx, "events "+sel, ns, typedPages(list, func(l *corev1.EventList) []corev1.Event { return l.Items }))
}

// Serves reports whether the API server serves groupVersion
// ("metrics.k8s.io/v1beta1"), asked afresh (not from the discovery cache).
// Only a NotFound answer means it does not; another error is returned.
func (r *Reader) Serves(ctx context.Context, groupVersion string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, err := r.core.Discovery().ServerResourcesForGroupVersion(groupVersion)
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err):
		return false, nil
	default:
		return false, err
	}
}
