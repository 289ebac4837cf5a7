package analyze

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// Source is what the analyzers read: typed lists of one namespace ("" for
// all) or of the cluster, events, logs, and the redactor their findings
// pass through. It only reads. *kube.Reader satisfies it; analyzers share
// one Source's lists within a Run.
type Source interface {
	Pods(ctx context.Context, ns string) ([]corev1.Pod, error)
	ReplicaSets(ctx context.Context, ns string) ([]appsv1.ReplicaSet, error)
	Deployments(ctx context.Context, ns string) ([]appsv1.Deployment, error)
	StatefulSets(ctx context.Context, ns string) ([]appsv1.StatefulSet, error)
	DaemonSets(ctx context.Context, ns string) ([]appsv1.DaemonSet, error)
	Jobs(ctx context.Context, ns string) ([]batchv1.Job, error)
	CronJobs(ctx context.Context, ns string) ([]batchv1.CronJob, error)
	Services(ctx context.Context, ns string) ([]corev1.Service, error)
	EndpointSlices(ctx context.Context, ns string) ([]discoveryv1.EndpointSlice, error)
	ConfigMaps(ctx context.Context, ns string) ([]corev1.ConfigMap, error)
	// SecretNames are the Secrets' names only: their data never leaves the API server.
	SecretNames(ctx context.Context, ns string) ([]kube.ObjectRef, error)
	PersistentVolumeClaims(ctx context.Context, ns string) ([]corev1.PersistentVolumeClaim, error)
	ResourceQuotas(ctx context.Context, ns string) ([]corev1.ResourceQuota, error)
	HorizontalPodAutoscalers(ctx context.Context, ns string) ([]autoscalingv2.HorizontalPodAutoscaler, error)
	Ingresses(ctx context.Context, ns string) ([]networkingv1.Ingress, error)
	NetworkPolicies(ctx context.Context, ns string) ([]networkingv1.NetworkPolicy, error)
	Nodes(ctx context.Context) ([]corev1.Node, error)
	IngressClasses(ctx context.Context) ([]networkingv1.IngressClass, error)
	StorageClasses(ctx context.Context) ([]storagev1.StorageClass, error)
	// EventsWithReason lists the events of one reason (FailedCreate, say).
	EventsWithReason(ctx context.Context, ns, reason string) ([]corev1.Event, error)
	// EventList lists events newest first, their messages redacted.
	EventList(ctx context.Context, req kube.EventsRequest) ([]corev1.Event, error)
	// Logs returns one container's log, redacted.
	Logs(ctx context.Context, req kube.LogsRequest) (string, error)
	// Serves reports whether the API server serves groupVersion now.
	Serves(ctx context.Context, groupVersion string) (bool, error)
	// Redactor redacts what the analyzers report.
	Redactor() kube.Redactor
}

var _ Source = (*kube.Reader)(nil)
