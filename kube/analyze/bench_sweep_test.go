package analyze

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/localcluster"
)

// The benchmark cluster: benchNamespaces × benchApps apps × benchReplicas
// pods = 5,000 pods on benchNodes fake nodes, each app behind a Service.
const (
	benchNamespaces = 5
	benchApps       = 10
	benchReplicas   = 100
	benchNodes      = 50
)

// BenchmarkAnalyzeCluster is the full analyzer sweep, Run(ctx, r,
// Scope{}), over a 5,000-pod cluster simulated by kwok, with a few faults
// among them (crash-looping and unschedulable pods, a missing ConfigMap, an
// exhausted quota, an HPA without metrics, a deny-all NetworkPolicy). It
// reports the wall time of one sweep (ms/sweep), the peak heap in use and
// the peak memory the Go runtime holds (MB-peak, MB-sys) while sweeping,
// and how long building the cluster took (s-setup). Then, in child
// processes that only read the cluster (bench_rss_test.go), the peak RSS
// and peak anonymous RSS (peak-RSS-MB-*, peak-anon-MB-*) of: the binary
// idle, three sweeps, and benchInvestigations investigations analysing at
// once, through Shared and (before it) a sweep per call; with
// KUBERTNETES_BENCH_CLI naming a built binary, its `analyze -A` too.
//
// The pods are created directly, bound to their nodes: through Deployments
// the controller-manager (20 requests/s) would take ~4 minutes to create
// them. A sweep reads the same objects either way.
func BenchmarkAnalyzeCluster(b *testing.B) {
	ctx := b.Context()
	start := time.Now()
	cfg := plane.Config()
	cfg.QPS = -1 // no client-side rate limit: the API server's own limits apply
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	nodes := createBenchNodes(b, cs)
	var namespaces []string
	for range benchNamespaces {
		namespaces = append(namespaces, plane.Namespace(b))
	}
	pods := benchPods(namespaces, nodes)
	if err := createBenchObjects(ctx, cs, namespaces, pods); err != nil {
		b.Fatal(err)
	}
	created := time.Since(start)
	n := len(pods)
	pods = nil // not part of the sweep's memory
	running := waitBenchPods(b, cs, n)
	setup := time.Since(start)
	b.Logf("setup: %d pods created in %s, %d Running after %s", n, created.Round(100*time.Millisecond), running, setup.Round(100*time.Millisecond))

	r, err := kube.NewReader(plane.Config(), kube.ReaderOptions{Hidden: simulator})
	if err != nil {
		b.Fatal(err)
	}
	fs, err := Run(ctx, r, Scope{}) // warm: discovery, connections
	if err != nil {
		b.Fatalf("sweep: %v", err)
	}
	counts := map[string]int{}
	for _, f := range fs {
		counts[f.Reason]++
	}
	b.Logf("one sweep: %d findings %v", len(fs), counts)
	var alone []string // each analyzer alone, with its own lists: where the time goes
	for _, a := range Analyzers() {
		t0 := time.Now()
		if _, err := a.Analyzer.Analyze(ctx, newSweep(r), Scope{}); err != nil {
			b.Fatalf("%s analyzer: %v", a.Name, err)
		}
		alone = append(alone, fmt.Sprintf("%s %s", a.Name, time.Since(t0).Round(time.Millisecond)))
	}
	b.Logf("each analyzer alone: %s", strings.Join(alone, ", "))

	runtime.GC()
	base := heapInUse()
	peak := newPeakSampler()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(ctx, r, Scope{}); err != nil {
			b.Fatalf("sweep: %v", err)
		}
	}
	b.StopTimer()
	heap, sys := peak.stop()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/sweep")
	b.ReportMetric(float64(heap)/(1<<20), "MB-peak")
	b.ReportMetric(float64(sys)/(1<<20), "MB-sys")
	b.ReportMetric(float64(base)/(1<<20), "MB-base")
	b.ReportMetric(setup.Seconds(), "s-setup")
	reportChildRSS(b, namespaces, 2, "idle", "sweep", "sweep+GOMEMLIMIT=40MiB", "investigations-unshared", "investigations", "investigations+GOMEMLIMIT=48MiB")
	reportCLIRSS(b, 2, "", "GOMEMLIMIT=off")
}

// createBenchNodes registers fake nodes for kwok to run the pods on, and
// removes them when the benchmark ends.
func createBenchNodes(b *testing.B, cs kubernetes.Interface) []string {
	b.Helper()
	capacity := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("64"), corev1.ResourceMemory: resource.MustParse("256Gi"), corev1.ResourcePods: resource.MustParse("110")}
	var names []string
	for i := range benchNodes {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
			Name:        fmt.Sprintf("bench-node-%02d", i),
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"}, // kwok runs it
			Labels:      map[string]string{"type": "kwok", "kubernetes.io/os": "linux"},
		}, Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity}}
		if _, err := cs.CoreV1().Nodes().Create(b.Context(), n, metav1.CreateOptions{}); err != nil {
			b.Fatalf("create node: %v", err)
		}
		names = append(names, n.Name)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, n := range names {
			_ = cs.CoreV1().Nodes().Delete(ctx, n, metav1.DeleteOptions{})
		}
	})
	return names
}

// benchPods are the cluster's pods: benchReplicas per app, bound round
// robin to nodes; ten crash-loop and five cannot be scheduled.
func benchPods(namespaces, nodes []string) []*corev1.Pod {
	var out []*corev1.Pod
	for n, ns := range namespaces {
		for a := range benchApps {
			app := fmt.Sprintf("app-%02d", a)
			for i := range benchReplicas {
				p := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%03d", app, i), Namespace: ns, Labels: map[string]string{"app": app, "tier": "web"}},
					Spec: corev1.PodSpec{NodeName: nodes[len(out)%len(nodes)], Containers: []corev1.Container{{
						Name: "app", Image: "registry.example/" + app + ":1.4.2",
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						Env:   []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "LISTEN_PORT", Value: "8080"}},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
						},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}},
					}}},
				}
				switch {
				case n == 0 && a == 0 && i < 10:
					p.Annotations = map[string]string{localcluster.CrashLoopAnnotation: "true"}
				case n == 1 && a == 0 && i < 5:
					p.Spec.NodeName, p.Spec.NodeSelector = "", map[string]string{"disktype": "nvme"}
				}
				out = append(out, p)
			}
		}
	}
	return out
}

// createBenchObjects creates the Services, the faulty objects and the pods
// (32 requests at a time).
func createBenchObjects(ctx context.Context, cs kubernetes.Interface, namespaces []string, pods []*corev1.Pod) error {
	for _, ns := range namespaces {
		for a := range benchApps {
			app := fmt.Sprintf("app-%02d", a)
			svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: app}, Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": app}, Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}}}
			if _, err := cs.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create service: %w", err)
			}
		}
	}
	for _, ns := range namespaces { // a few pods made by a controller, too
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(2)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: pods[0].Spec}}}
		d.Spec.Template.Spec.NodeName = ""
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create deployment: %w", err)
		}
	}
	ns := namespaces[len(namespaces)-1]
	pct := int32(70)
	faults := []func() error{
		func() error { // a quota used up by the Services above
			q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "services"}, Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceServices: resource.MustParse(fmt.Sprint(benchApps))}}}
			_, err := cs.CoreV1().ResourceQuotas(ns).Create(ctx, q, metav1.CreateOptions{})
			return err
		},
		func() error { // a deny-all policy in front of app-01
			p := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "app-01-deny"}, Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "app-01"}}, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
			_, err := cs.NetworkingV1().NetworkPolicies(ns).Create(ctx, p, metav1.CreateOptions{})
			return err
		},
		func() error { // an HPA on cpu: the plane has no metrics-server
			h := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}, MaxReplicas: 3,
				Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
					Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &pct}}}}}}
			_, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, h, metav1.CreateOptions{})
			return err
		},
		func() error { // a pod reading a ConfigMap that does not exist
			p := pods[len(pods)-1]
			p.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app-settings"}}}}
			return nil
		},
	}
	for _, f := range faults {
		if err := f(); err != nil {
			return fmt.Errorf("create fault: %w", err)
		}
	}
	var g errgroup.Group
	g.SetLimit(32)
	for _, p := range pods {
		g.Go(func() error {
			if _, err := cs.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create pod %s/%s: %w", p.Namespace, p.Name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// waitBenchPods waits until the want pods exist and all but the
// unschedulable ones run, and returns how many run.
func waitBenchPods(b *testing.B, cs kubernetes.Interface, want int) int {
	b.Helper()
	running := 0
	kubetest.Eventually(b, 10*time.Minute, fmt.Sprintf("%d bound pods to run", want-5), func() (bool, error) {
		total := 0
		running = 0
		opts := metav1.ListOptions{Limit: 500}
		for {
			l, err := cs.CoreV1().Pods("").List(b.Context(), opts)
			if err != nil {
				return false, fmt.Errorf("list pods: %w", err)
			}
			for _, p := range l.Items {
				if p.Spec.NodeName != "" && len(p.Name) > 4 && p.Name[:4] == "app-" {
					total++
					if p.Status.Phase == corev1.PodRunning {
						running++
					}
				}
			}
			if opts.Continue = l.Continue; opts.Continue == "" {
				break
			}
		}
		// All bound pods run, but the one whose ConfigMap is missing (which
		// the simulated kubelet may hold in CreateContainerConfigError).
		if total == want-5 && running >= want-6 {
			return true, nil
		}
		return false, fmt.Errorf("%d of %d pods bound, %d running", total, want-5, running)
	})
	return running
}

// peakSampler records the highest heap in use and runtime total memory
// every 5 ms until stopped.
type peakSampler struct {
	heap, sys atomic.Uint64
	done      chan struct{}
	wg        sync.WaitGroup
}

func newPeakSampler() *peakSampler {
	s := &peakSampler{done: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *peakSampler) sample() {
	ms := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}, {Name: "/memory/classes/total:bytes"}}
	metrics.Read(ms)
	if h := ms[0].Value.Uint64() + ms[1].Value.Uint64(); h > s.heap.Load() {
		s.heap.Store(h)
	}
	if t := ms[2].Value.Uint64(); t > s.sys.Load() {
		s.sys.Store(t)
	}
}

func (s *peakSampler) stop() (heap, sys uint64) {
	close(s.done)
	s.wg.Wait()
	s.sample()
	return s.heap.Load(), s.sys.Load()
}

// heapInUse is the heap in use now (runtime.MemStats.HeapInuse).
func heapInUse() uint64 {
	ms := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(ms)
	return ms[0].Value.Uint64() + ms[1].Value.Uint64()
}
