package kube

import (
	"context"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
)

// listPageSize is how many objects one list request asks for: a big
// cluster is read page by page, never in one response.
const listPageSize = 500

// sweep shares what the analyzers of one Analyze call list: each kind is
// listed once per namespace, page by page, without managedFields and the
// last-applied copy, and handed to every analyzer that asks for it. The
// lists are shared: analyzers read them and never modify them.
type sweep struct {
	mu    sync.Mutex
	lists map[sweepKey]*sweepList
}

type sweepKey struct{ what, namespace string }

type sweepList struct {
	once  sync.Once
	items any
	err   error
}

// forSweep returns a copy of r whose lists are shared for one sweep, and
// whose clientset speaks protobuf: a list of thousands of pods decodes
// several times faster, with a fraction of the garbage, than as JSON.
func (r *Reader) forSweep() *Reader {
	c := *r
	c.sweep = &sweep{lists: map[sweepKey]*sweepList{}}
	cfg := rest.CopyConfig(r.cfg)
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	if cs, err := kubernetes.NewForConfigAndClient(cfg, r.http); err == nil {
		c.core = cs
	}
	return &c
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

// pageFunc lists one page and returns its items and continue token.
type pageFunc[T any] func(ctx context.Context, opts metav1.ListOptions) ([]T, string, error)

// shared lists what (a resource name, for errors and the sweep's key) in
// ns, once per sweep when r has one.
func shared[T any](ctx context.Context, r *Reader, what, ns string, page pageFunc[T]) ([]T, error) {
	if r.sweep == nil {
		return listPages(ctx, what, ns, page)
	}
	l := r.sweep.list(what, ns)
	l.once.Do(func() { l.items, l.err = listPages(ctx, what, ns, page) })
	items, ok := l.items.([]T)
	if !ok && l.err == nil { // the same key listed as another type: not shared
		return listPages(ctx, what, ns, page)
	}
	return items, l.err
}

// listPages reads every page. A continue token that expired (the list took
// longer than the server keeps it) restarts the list in one request.
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
			return nil, describeErr(err, what, ns, "")
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		opts.Continue = next
	}
}

// slim drops what no analyzer reads and costs the most memory.
func slim(m *metav1.ObjectMeta) {
	m.ManagedFields = nil
	delete(m.Annotations, lastApplied)
}

func (r *Reader) listPods(ctx context.Context, ns string) ([]corev1.Pod, error) {
	return shared(ctx, r, "pods", ns, func(ctx context.Context, o metav1.ListOptions) ([]corev1.Pod, string, error) {
		l, err := r.core.CoreV1().Pods(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		for i := range l.Items {
			slim(&l.Items[i].ObjectMeta)
		}
		return l.Items, l.Continue, nil
	})
}

func (r *Reader) listReplicaSets(ctx context.Context, ns string) ([]appsv1.ReplicaSet, error) {
	return shared(ctx, r, "replicasets", ns, func(ctx context.Context, o metav1.ListOptions) ([]appsv1.ReplicaSet, string, error) {
		l, err := r.core.AppsV1().ReplicaSets(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		for i := range l.Items {
			slim(&l.Items[i].ObjectMeta)
		}
		return l.Items, l.Continue, nil
	})
}

func (r *Reader) listDeployments(ctx context.Context, ns string) ([]appsv1.Deployment, error) {
	return shared(ctx, r, "deployments", ns, func(ctx context.Context, o metav1.ListOptions) ([]appsv1.Deployment, string, error) {
		l, err := r.core.AppsV1().Deployments(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		for i := range l.Items {
			slim(&l.Items[i].ObjectMeta)
		}
		return l.Items, l.Continue, nil
	})
}

func (r *Reader) listStatefulSets(ctx context.Context, ns string) ([]appsv1.StatefulSet, error) {
	return shared(ctx, r, "statefulsets", ns, func(ctx context.Context, o metav1.ListOptions) ([]appsv1.StatefulSet, string, error) {
		l, err := r.core.AppsV1().StatefulSets(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		for i := range l.Items {
			slim(&l.Items[i].ObjectMeta)
		}
		return l.Items, l.Continue, nil
	})
}

func (r *Reader) listDaemonSets(ctx context.Context, ns string) ([]appsv1.DaemonSet, error) {
	return shared(ctx, r, "daemonsets", ns, func(ctx context.Context, o metav1.ListOptions) ([]appsv1.DaemonSet, string, error) {
		l, err := r.core.AppsV1().DaemonSets(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		for i := range l.Items {
			slim(&l.Items[i].ObjectMeta)
		}
		return l.Items, l.Continue, nil
	})
}

func (r *Reader) listCronJobs(ctx context.Context, ns string) ([]batchv1.CronJob, error) {
	return shared(ctx, r, "cronjobs", ns, func(ctx context.Context, o metav1.ListOptions) ([]batchv1.CronJob, string, error) {
		l, err := r.core.BatchV1().CronJobs(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		for i := range l.Items {
			slim(&l.Items[i].ObjectMeta)
		}
		return l.Items, l.Continue, nil
	})
}

func (r *Reader) listServices(ctx context.Context, ns string) ([]corev1.Service, error) {
	return shared(ctx, r, "services", ns, func(ctx context.Context, o metav1.ListOptions) ([]corev1.Service, string, error) {
		l, err := r.core.CoreV1().Services(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		for i := range l.Items {
			slim(&l.Items[i].ObjectMeta)
		}
		return l.Items, l.Continue, nil
	})
}

func (r *Reader) listConfigMaps(ctx context.Context, ns string) ([]corev1.ConfigMap, error) {
	return shared(ctx, r, "configmaps", ns, func(ctx context.Context, o metav1.ListOptions) ([]corev1.ConfigMap, string, error) {
		l, err := r.core.CoreV1().ConfigMaps(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		for i := range l.Items {
			slim(&l.Items[i].ObjectMeta)
		}
		return l.Items, l.Continue, nil
	})
}

// secretNames lists Secrets as metadata only (namespace/name): their data
// never leaves the API server.
func (r *Reader) secretNames(ctx context.Context, ns string) ([]ObjectRef, error) {
	mc, err := metadata.NewForConfigAndClient(r.cfg, r.http)
	if err != nil {
		return nil, err
	}
	res := corev1.SchemeGroupVersion.WithResource("secrets")
	return shared(ctx, r, "secrets", ns, func(ctx context.Context, o metav1.ListOptions) ([]ObjectRef, string, error) {
		l, err := mc.Resource(res).Namespace(ns).List(ctx, o)
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

// eventsWithReason lists the events of one reason (FailedCreate, say),
// filtered by the API server.
func (r *Reader) eventsWithReason(ctx context.Context, ns, reason string) ([]corev1.Event, error) {
	sel := fields.OneTermEqualSelector("reason", reason).String()
	return shared(ctx, r, "events "+sel, ns, func(ctx context.Context, o metav1.ListOptions) ([]corev1.Event, string, error) {
		o.FieldSelector = sel
		l, err := r.core.CoreV1().Events(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		for i := range l.Items {
			slim(&l.Items[i].ObjectMeta)
		}
		return l.Items, l.Continue, nil
	})
}
