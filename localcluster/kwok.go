package localcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// The simulator's marks on a cluster. A product reader hides them from
// people and models (kube.Hidden): they are machinery, not the cluster.
const (
	// SimulatorAPIGroup is kwok's API group (its Stages, ClusterLogs …).
	SimulatorAPIGroup = "kwok.x-k8s.io"
	// SimulatorKeyPrefix starts the annotations and labels kwok reads
	// (CrashLoopAnnotation, its node annotation …).
	SimulatorKeyPrefix = SimulatorAPIGroup + "/"
)

// Annotations that make kwok simulate a crash-looping pod, the way a kubelet
// reports one: every container gets state.waiting.reason CrashLoopBackOff,
// lastState.terminated with the exit code and reason, a restartCount that
// rises every ~10 s (the first crash ~1 s after scheduling), and each crash
// records a Warning BackOff event.
const (
	// CrashLoopAnnotation set to "true" turns the simulation on.
	CrashLoopAnnotation = "kwok.x-k8s.io/crashloop"
	// CrashLoopExitCodeAnnotation sets lastState.terminated.exitCode (default 1).
	CrashLoopExitCodeAnnotation = "kwok.x-k8s.io/crashloop-exit-code"
	// CrashLoopReasonAnnotation sets lastState.terminated.reason (default Error).
	CrashLoopReasonAnnotation = "kwok.x-k8s.io/crashloop-reason"
)

// nodeAnnotation marks the nodes kwok manages.
const nodeAnnotation = "kwok.x-k8s.io/node"

// kwokStages are kwok's stock stages used, by file name in the assets dir:
// node initialisation and lease heartbeat, pods going Ready, Job pods
// completing, and deleted pods going away.
var kwokStages = []string{
	"node-initialize.yaml", "node-heartbeat-with-lease.yaml",
	"pod-ready.yaml", "pod-complete.yaml", "pod-delete.yaml",
}

// crashLoopStage turns a pod in PHASE that matches SELECTOR (and whose
// config is resolved) into a crash-looping one after DELAY ms, every
// container of it. Its weight wins over pod-ready (weight 0) for those
// pods. The exit code and reason come from the pod's annotations named
// EXIT_ANNOTATION and REASON_ANNOTATION.
const crashLoopStage = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: NAME
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: SELECTOR
      operator: 'In'
      values: ['true']
    - key: '.status.phase'
      operator: 'In'
      values: ['PHASE']
    - key: RESOLVED
      operator: 'In'
      values: ['true']
  weight: 10000
  delay:
    durationMilliseconds: DELAY
  next:
    event:
      type: Warning
      reason: BackOff
      message: Back-off restarting failed container
    statusTemplate: |
      {{ $now := Now }}
      {{ $ann := or .metadata.annotations dict }}
      {{ $exit := or (index $ann EXIT_ANNOTATION) 1 }}
      {{ $reason := or (index $ann REASON_ANNOTATION) "Error" }}
      {{ $restarts := 0 }}
      {{ range .status.containerStatuses }}{{ $restarts = int .restartCount }}{{ end }}
      {{ $start := or .status.startTime $now }}
      conditions:
      - {type: Initialized, status: "True", lastTransitionTime: {{ $start | Quote }}}
      - {type: Ready, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
      - {type: ContainersReady, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
      - {type: PodScheduled, status: "True", lastTransitionTime: {{ $start | Quote }}}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        started: false
        restartCount: {{ add $restarts 1 }}
        state:
          waiting:
            reason: CrashLoopBackOff
            message: {{ printf "back-off 10s restarting failed container=%s" .name | Quote }}
        lastState:
          terminated:
            exitCode: {{ $exit }}
            reason: {{ $reason | Quote }}
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
      {{ end }}
      {{ with NodeIPWith .spec.nodeName }}
      hostIP: {{ . | Quote }}
      {{ end }}
      {{ with or .status.podIP (PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" )) }}
      podIP: {{ . | Quote }}
      {{ end }}
      phase: Running
      startTime: {{ $start | Quote }}
`

// annotationCrashLoop renders the crash loop of pods annotated with
// CrashLoopAnnotation, for pods in phase. EXIT and REASON come from its other annotations.
func annotationCrashLoop(suffix, phase string, delayMS int) string {
	return strings.NewReplacer(
		"NAME", "pod-crashloop-"+suffix, "SELECTOR", quote(fmt.Sprintf(`.metadata.annotations[%q]`, CrashLoopAnnotation)),
		"PHASE", phase, "DELAY", strconv.Itoa(delayMS), "RESOLVED", quote(jqConfigResolved),
		"EXIT_ANNOTATION", strconv.Quote(CrashLoopExitCodeAnnotation), "REASON_ANNOTATION", strconv.Quote(CrashLoopReasonAnnotation),
	).Replace(crashLoopStage)
}

// writeKwokConfig writes kwok's --config: the stock stages, the crash loop
// of annotated pods, the hold of pods whose config the check has not
// resolved, and the stages of every fault rule.
func writeKwokConfig(binDir, path string, rules []FaultRule) error {
	var b bytes.Buffer
	for _, s := range kwokStages {
		data, err := os.ReadFile(filepath.Join(binDir, kwokAssetsDir, s))
		if err != nil {
			return fmt.Errorf("read kwok stage: %w", err)
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	// First crash ~1 s after scheduling, then one more every ~10 s.
	b.WriteString("---\n" + annotationCrashLoop("first", "Pending", 1000))
	b.WriteString("---\n" + annotationCrashLoop("again", "Running", 10000))
	b.WriteString("---\n" + holdStage().yaml())
	for _, r := range rules {
		for _, st := range r.stages() {
			b.WriteString("---\n" + st.yaml())
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write kwok config: %w", err)
	}
	return nil
}

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// installKwokCRDs installs kwok's ClusterLogs CRD and waits until it is
// established, so that kwok (--enable-crds ClusterLogs) can watch it.
func (c *Cluster) installKwokCRDs(ctx context.Context, apiserver *process) error {
	data, err := os.ReadFile(filepath.Join(c.binDir, kwokAssetsDir, "kwok.x-k8s.io_clusterlogs.yaml"))
	if err != nil {
		return fmt.Errorf("read kwok CRD: %w", err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("decode kwok CRD: %w", err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		if _, err := c.dynamic.Resource(crdResource).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create CRD %s: %w", obj.GetName(), err)
		}
		name := obj.GetName()
		established := func(ctx context.Context) (bool, error) {
			got, err := c.dynamic.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
			for _, cond := range conds {
				m, _ := cond.(map[string]any)
				if m["type"] == "Established" && m["status"] == "True" {
					return true, nil
				}
			}
			return false, nil
		}
		if err := c.waitFor(ctx, apiserver, "CRD "+name+" established", 30*time.Second, established); err != nil {
			return err
		}
	}
}

// createNodes registers n fake nodes for kwok to manage.
func (c *Cluster) createNodes(ctx context.Context, n int) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	for i := range n {
		name := fmt.Sprintf("kwok-node-%d", i)
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        name,
				Annotations: map[string]string{nodeAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
				Labels: map[string]string{
					"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
					"kubernetes.io/arch": "amd64", "type": "kwok",
				},
			},
			Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
		}
		if _, err := c.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create node %s: %w", name, err)
		}
	}
	return nil
}

// nodesReady is a waitFor condition: n nodes report Ready.
func (c *Cluster) nodesReady(n int) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		nodes, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		ready := 0
		for _, node := range nodes.Items {
			for _, cond := range node.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready >= n, nil
	}
}

// defaultServiceAccount is a waitFor condition: pods can be created in
// "default" once the service account controller made its ServiceAccount.
func (c *Cluster) defaultServiceAccount(ctx context.Context) (bool, error) {
	_, err := c.client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}
