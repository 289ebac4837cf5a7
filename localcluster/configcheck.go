package localcluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// condReadyToStart is the kubelet's pod condition for "sandbox ready,
// containers may be created"; the config check sets it once it has
// resolved a pod's ConfigMap and Secret references (see jqConfigResolved).
const condReadyToStart corev1.PodConditionType = "PodReadyToStartContainers"

// configRetry is how often a pod waiting in CreateContainerConfigError is
// checked again (the kubelet retries on its pod sync).
const configRetry = 5 * time.Second

// configCheck is the part of the simulated kubelet kwok cannot play, since
// its stages only see the pod: before a container is created the kubelet
// resolves the ConfigMaps and Secrets its env and envFrom refer to, and a
// missing object or key stops it with CreateContainerConfigError. The check
// does the same against the API, for the pods kwok holds (pod-config-hold):
// it either lets kwok run them (condition PodReadyToStartContainers) or
// reports the kubelet's error and event, and retries, so creating the
// missing ConfigMap starts the pod as it would on a real node.
type configCheck struct {
	client  kubernetes.Interface
	log     io.Writer
	queue   workqueue.TypedRateLimitingInterface[types.NamespacedName]
	pods    cache.Indexer
	cms     listersv1.ConfigMapLister
	secrets listersv1.SecretLister
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Workers and client rate of the check: a plane of thousands of pods that
// take their env from ConfigMaps must not wait for it.
const (
	configWorkers = 4
	configQPS     = 1000
)

// startConfigCheck watches scheduled Pending pods, ConfigMaps and Secrets
// until stop is called.
func startConfigCheck(cfg *rest.Config, log io.Writer) (*configCheck, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = configQPS, 2*configQPS
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("config check: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	k := &configCheck{
		client: client, log: log, cancel: cancel,
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[types.NamespacedName]()),
	}
	pending := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = "status.phase=Pending,spec.nodeName!="
	}))
	inf := pending.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    k.enqueue,
		UpdateFunc: func(_, obj any) { k.enqueue(obj) },
	}); err != nil {
		cancel()
		return nil, fmt.Errorf("config check: %w", err)
	}
	k.pods = inf.GetIndexer()
	config := informers.NewSharedInformerFactory(client, 0)
	k.cms, k.secrets = config.Core().V1().ConfigMaps().Lister(), config.Core().V1().Secrets().Lister()
	for _, f := range []informers.SharedInformerFactory{pending, config} {
		f.Start(ctx.Done())
		k.wg.Go(func() {
			<-ctx.Done()
			f.Shutdown()
		})
	}
	for range configWorkers {
		k.wg.Go(func() {
			for k.next(ctx) {
			}
		})
	}
	return k, nil
}

// stop ends the check and waits for its goroutines.
func (k *configCheck) stop() {
	k.cancel()
	k.queue.ShutDown()
	k.wg.Wait()
}

// enqueue queues pods kwok holds: needing config, with a status from the
// hold stage, and either not resolved yet or in CreateContainerConfigError.
func (k *configCheck) enqueue(obj any) {
	p, ok := obj.(*corev1.Pod)
	if !ok || p.DeletionTimestamp != nil || !needsConfig(p) || len(p.Status.ContainerStatuses) == 0 {
		return
	}
	if !readyToStart(p) || configError(p) {
		k.queue.Add(types.NamespacedName{Namespace: p.Namespace, Name: p.Name})
	}
}

func (k *configCheck) next(ctx context.Context) bool {
	key, quit := k.queue.Get()
	if quit {
		return false
	}
	defer k.queue.Done(key)
	if err := k.sync(ctx, key); err != nil && ctx.Err() == nil {
		fmt.Fprintf(k.log, "localcluster: config check of pod %s: %v\n", key, err)
		k.queue.AddRateLimited(key)
		return true
	}
	k.queue.Forget(key)
	return true
}

// sync resolves one pod's references and writes what the kubelet would.
func (k *configCheck) sync(ctx context.Context, key types.NamespacedName) error {
	obj, exists, err := k.pods.GetByKey(key.String())
	if err != nil || !exists {
		return err
	}
	p := obj.(*corev1.Pod)
	res := resolver{ctx: ctx, client: k.client, ns: p.Namespace, cms: k.cms, secrets: k.secrets}
	failed := map[string]string{} // container → the kubelet's message
	var paths []string            // their field paths, in the kubelet's order
	// Init containers run one after the other: the first that cannot be
	// created stops the rest; regular containers are created independently.
	for _, c := range p.Spec.InitContainers {
		msg, err := res.check(&c)
		if err != nil {
			return err
		}
		if msg != "" {
			failed[c.Name], paths = msg, append(paths, "spec.initContainers{"+c.Name+"}")
			break
		}
	}
	if len(failed) == 0 {
		for _, c := range p.Spec.Containers {
			msg, err := res.check(&c)
			if err != nil {
				return err
			}
			if msg != "" {
				failed[c.Name], paths = msg, append(paths, "spec.containers{"+c.Name+"}")
			}
		}
	}
	patch, err := json.Marshal(map[string]any{"status": configStatus(p, failed)})
	if err != nil {
		return err
	}
	if _, err := k.client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patch status: %w", err)
	}
	for _, path := range paths {
		name := path[strings.Index(path, "{")+1 : len(path)-1]
		if err := k.event(ctx, p, path, "Error: "+failed[name]); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		k.queue.AddAfter(key, configRetry)
	}
	return nil
}

// configStatus is the status patch: PodReadyToStartContainers, and what
// the kubelet shows of each container: CreateContainerConfigError for the
// failing ones; init containers before a failing one completed and those
// after it (with the regular ones) waiting; regular containers that can be
// created running. Once nothing fails any more, the failing containers go
// back to ContainerCreating and kwok takes the pod over.
func configStatus(p *corev1.Pod, failed map[string]string) map[string]any {
	status := map[string]any{}
	if !readyToStart(p) {
		status["conditions"] = []corev1.PodCondition{{Type: condReadyToStart, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
	}
	if !configError(p) && len(failed) == 0 {
		return status // the first check passed: kwok takes over
	}
	now := metav1.Now()
	failedInit := -1
	for i, c := range p.Spec.InitContainers {
		if _, ok := failed[c.Name]; ok {
			failedInit = i
		}
	}
	init := make([]corev1.ContainerStatus, 0, len(p.Spec.InitContainers))
	for i, c := range p.Spec.InitContainers {
		s := currentStatus(p.Status.InitContainerStatuses, c)
		switch {
		case i == failedInit:
			s.State = configErrorState(failed[c.Name])
		case failedInit >= 0 && i < failedInit:
			s.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed", StartedAt: now, FinishedAt: now}}
		case failedInit >= 0:
			s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}
		default:
			s.State = clearedState(s.State)
		}
		init = append(init, s)
	}
	regular := make([]corev1.ContainerStatus, 0, len(p.Spec.Containers))
	for _, c := range p.Spec.Containers {
		s := currentStatus(p.Status.ContainerStatuses, c)
		msg, ok := failed[c.Name]
		switch {
		case ok:
			s.State, s.Ready = configErrorState(msg), false
		case failedInit >= 0:
			s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}
		case len(failed) > 0 && s.State.Waiting != nil && s.State.Waiting.Reason == "ContainerCreating":
			started := true
			s.State, s.Ready, s.Started = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}, true, &started
		default:
			s.State = clearedState(s.State)
		}
		regular = append(regular, s)
	}
	status["initContainerStatuses"], status["containerStatuses"] = init, regular
	return status
}

func currentStatus(current []corev1.ContainerStatus, c corev1.Container) corev1.ContainerStatus {
	for _, s := range current {
		if s.Name == c.Name {
			return s
		}
	}
	return corev1.ContainerStatus{Name: c.Name, Image: c.Image}
}

func configErrorState(msg string) corev1.ContainerState {
	return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError", Message: msg}}
}

// clearedState: a container whose config resolves again is being created.
func clearedState(s corev1.ContainerState) corev1.ContainerState {
	if s.Waiting != nil && s.Waiting.Reason == "CreateContainerConfigError" {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	}
	return s
}

// event records the kubelet's Warning Failed event for a container, or
// counts one more of it.
func (k *configCheck) event(ctx context.Context, p *corev1.Pod, fieldPath, msg string) error {
	sum := sha256.Sum256([]byte("Failed/" + fieldPath + "/" + msg))
	name := p.Name + "." + hex.EncodeToString(sum[:8])
	events := k.client.CoreV1().Events(p.Namespace)
	now := metav1.Now()
	ev, err := events.Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		ev.Count++
		ev.LastTimestamp = now
		_, err = events.Update(ctx, ev, metav1.UpdateOptions{})
		return ignoreGone(err)
	}
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("get event: %w", err)
	}
	_, err = events.Create(ctx, &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: p.Namespace},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: "v1", Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID, FieldPath: fieldPath,
		},
		Type: corev1.EventTypeWarning, Reason: "Failed", Message: msg,
		Source:              corev1.EventSource{Component: "kubelet", Host: p.Spec.NodeName},
		ReportingController: "kubelet", ReportingInstance: p.Spec.NodeName,
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}, metav1.CreateOptions{})
	return ignoreGone(err)
}

// ignoreGone drops the errors of an event raced by another writer or a
// namespace being deleted: the next retry records it again.
func ignoreGone(err error) error {
	if err == nil || apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		return nil
	}
	return fmt.Errorf("record event: %w", err)
}

func readyToStart(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == condReadyToStart && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func configError(p *corev1.Pod) bool {
	for _, ss := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, s := range ss {
			if s.State.Waiting != nil && s.State.Waiting.Reason == "CreateContainerConfigError" {
				return true
			}
		}
	}
	return false
}
