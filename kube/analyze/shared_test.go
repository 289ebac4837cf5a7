package analyze

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/analyze/analyzetest"
)

var _ Source = (*analyzetest.Source)(nil)

// sharedCluster is a small cluster with faults in two namespaces and
// trouble on a node: a crash-looping pod in shop, a pending pod in web
// that asks for a node a taint keeps it off, a NotReady node running a
// shop pod, a Service in web selecting nothing. Pods come interleaved by
// namespace, so a namespace's part is not one run of the list.
func sharedCluster() analyzetest.Objects {
	crash := *testPod(func(p *corev1.Pod) {
		p.Name, p.Spec.NodeName = "api-0", "node-a"
		cs := &p.Status.ContainerStatuses[0]
		cs.RestartCount, cs.Ready, cs.State, cs.LastTerminationState = 5, false, waiting("CrashLoopBackOff", "back-off"), terminated(1, "Error")
	}, "api")
	fine := *testPod(func(p *corev1.Pod) { p.Name, p.Spec.NodeName = "api-1", "node-b" }, "api")
	pending := *testPod(func(p *corev1.Pod) {
		p.Namespace, p.Name = "web", "front-0"
		p.Spec.NodeSelector = map[string]string{"disk": "nvme"}
		p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
			Message: "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: db}.",
		}}}
	}, "front")
	node := func(name string, ready corev1.ConditionStatus, labels map[string]string, taints ...corev1.Taint) corev1.Node {
		return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready, Reason: "KubeletNotReady"}}}}
	}
	return analyzetest.Objects{
		Pods: []corev1.Pod{crash, pending, fine},
		Nodes: []corev1.Node{
			node("node-a", corev1.ConditionFalse, nil),
			node("node-b", corev1.ConditionTrue, nil),
			node("node-db", corev1.ConditionTrue, map[string]string{"disk": "nvme"}, corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}),
		},
		Services: []corev1.Service{{ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "front"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "front"}}}},
	}
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// dedicated is what an analysis of its own returns.
func dedicated(t *testing.T, s Scope) []kube.Finding {
	t.Helper()
	fs, err := Run(t.Context(), analyzetest.NewSource(sharedCluster()), s)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestSharedConcurrentCallsShareOneSweep(t *testing.T) {
	src := analyzetest.NewSource(sharedCluster())
	sh := NewShared(src, SharedOptions{Now: (&fakeClock{}).Now})
	const calls = 8
	got := make([][]kube.Finding, calls)
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() { got[i], errs[i] = sh.Run(t.Context(), Scope{}) })
	}
	wg.Wait()
	want := dedicated(t, Scope{})
	if len(want) == 0 {
		t.Fatal("the cluster has no findings: the comparison would prove nothing")
	}
	for i := range calls {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if d := cmp.Diff(want, got[i]); d != "" {
			t.Errorf("call %d differs from a sweep of its own (-want +got):\n%s", i, d)
		}
	}
	if n := src.Lists("pods", ""); n != 1 {
		t.Errorf("%d concurrent whole-cluster analyses listed the pods %d times, want once", calls, n)
	}
}

// TestSharedNamespaceFromClusterSweep: a namespace's analysis made while
// a whole-cluster sweep is recent reads that sweep's lists and finds
// exactly what an analysis of its own finds: node findings scoped to the
// namespace's nodes included.
func TestSharedNamespaceFromClusterSweep(t *testing.T) {
	tests := []Scope{
		{Namespace: "shop"},
		{Namespace: "web"},
		{Namespace: "empty"},
		{Namespace: "shop", Names: []string{"node-a"}},
	}
	for _, s := range tests {
		t.Run(fmt.Sprint(s.Namespace, s.Names), func(t *testing.T) {
			src := analyzetest.NewSource(sharedCluster())
			sh := NewShared(src, SharedOptions{Now: (&fakeClock{}).Now})
			if _, err := sh.Run(t.Context(), Scope{}); err != nil {
				t.Fatal(err)
			}
			got, err := sh.Run(t.Context(), s)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(dedicated(t, s), got); d != "" {
				t.Errorf("differs from an analysis of its own (-want +got):\n%s", d)
			}
			for _, kind := range []string{"pods", "services", "replicasets"} {
				if n := src.Lists(kind, s.Namespace); n != 0 {
					t.Errorf("%s of %s listed %d times, want 0 (read from the whole-cluster sweep)", kind, s.Namespace, n)
				}
			}
		})
	}
}

func TestSharedSweepsAgainAfterTTL(t *testing.T) {
	clock := &fakeClock{}
	src := analyzetest.NewSource(sharedCluster())
	sh := NewShared(src, SharedOptions{TTL: 5 * time.Second, Now: clock.Now})
	run := func(s Scope) {
		t.Helper()
		if _, err := sh.Run(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	run(Scope{})
	clock.Add(4 * time.Second)
	run(Scope{})
	run(Scope{Namespace: "shop"})
	if n, m := src.Lists("pods", ""), src.Lists("pods", "shop"); n != 1 || m != 0 {
		t.Fatalf("within the TTL: pods listed %d times cluster-wide and %d in shop, want 1 and 0", n, m)
	}
	clock.Add(time.Second)
	run(Scope{Namespace: "shop"})
	if m := src.Lists("pods", "shop"); m != 1 {
		t.Errorf("after the TTL, shop's pods listed %d times, want 1 (its own sweep)", m)
	}
	run(Scope{})
	if n := src.Lists("pods", ""); n != 2 {
		t.Errorf("after the TTL, pods listed %d times cluster-wide, want 2 (a new sweep)", n)
	}
}

// TestSharedCallerGivesUp: a caller whose context ends returns at once;
// the sweep it started goes on and answers the next caller.
func TestSharedCallerGivesUp(t *testing.T) {
	src := analyzetest.NewSource(sharedCluster())
	release := make(chan struct{})
	listing := make(chan struct{}, 1)
	src.Gate = func(ctx context.Context, what, ns string) error {
		if what == "pods" {
			select {
			case listing <- struct{}{}:
			default:
			}
			<-release
		}
		return nil
	}
	sh := NewShared(src, SharedOptions{Now: (&fakeClock{}).Now})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := sh.Run(ctx, Scope{}); done <- err }()
	<-listing
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the caller that gave up got %v, want context.Canceled", err)
	}
	close(release)
	got, err := sh.Run(t.Context(), Scope{})
	if err != nil {
		t.Fatalf("the next caller: %v (the first caller's cancellation leaked into the shared sweep)", err)
	}
	if d := cmp.Diff(dedicated(t, Scope{}), got); d != "" {
		t.Errorf("differs from a sweep of its own (-want +got):\n%s", d)
	}
}

// TestSharedNamespaceListsItselfWhenClusterListFails: an identity that may
// not list pods cluster-wide still gets its namespace analysed.
func TestSharedNamespaceListsItselfWhenClusterListFails(t *testing.T) {
	src := analyzetest.NewSource(sharedCluster())
	src.Gate = func(_ context.Context, what, ns string) error {
		if ns == "" && what != "nodes" {
			return apierrors.NewForbidden(schema.GroupResource{Resource: what}, "", errors.New("namespace-bound"))
		}
		return nil
	}
	sh := NewShared(src, SharedOptions{Now: (&fakeClock{}).Now})
	if _, err := sh.Run(t.Context(), Scope{}); err == nil {
		t.Fatal("whole-cluster analysis without cluster-wide lists: no error")
	}
	got, err := sh.Run(t.Context(), Scope{Namespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(dedicated(t, Scope{Namespace: "shop"}), got); d != "" {
		t.Errorf("differs from an analysis of its own (-want +got):\n%s", d)
	}
}
