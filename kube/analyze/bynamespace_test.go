package analyze

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube/analyze/analyzetest"
)

// wholeOnly hides a Source's PodPages: Run then sweeps the whole cluster
// at once, as it did before it could page.
type wholeOnly struct{ Source }

// A whole-cluster Run that holds one namespace's pods at a time finds
// exactly what one whole-cluster sweep finds: the crash in shop, the
// pending pod's taint and the NotReady node (the node analyzer runs once,
// fed the pending pods), and a namespace with no pods at all (its Service
// selects nothing) is analysed too. Pods are listed once.
func TestRunByNamespaceFindsWhatOneSweepFinds(t *testing.T) {
	objs := sharedCluster()
	objs.Services = append(objs.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "empty", Name: "ghost"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "ghost"}}})
	src := analyzetest.NewSource(objs)
	paged, perr := Run(t.Context(), src, Scope{})
	whole, werr := Run(t.Context(), wholeOnly{analyzetest.NewSource(objs)}, Scope{})
	if perr != nil || werr != nil {
		t.Fatalf("errors: paged %v, whole %v", perr, werr)
	}
	if d := cmp.Diff(whole, paged); d != "" {
		t.Errorf("findings by namespace differ from one sweep's (-whole +paged):\n%s", d)
	}
	reasons := map[string]bool{}
	for _, f := range paged {
		reasons[f.Object.Namespace+"/"+f.Reason] = true
	}
	for _, want := range []string{"shop/CrashLoopBackOff", "/NodeNotReady", "/UntoleratedTaint", "empty/ServiceSelectorMatchesNothing"} {
		if !reasons[want] {
			t.Errorf("no %s finding; got %v", want, reasons)
		}
	}
	if n := src.Lists("pods", ""); n != 1 {
		t.Errorf("pods listed %d times cluster-wide, want once", n)
	}
	for _, ns := range []string{"shop", "web", "empty"} {
		if n := src.Lists("pods", ns); n != 0 {
			t.Errorf("pods listed %d times in %s, want none (the pages serve it)", n, ns)
		}
		if n := src.Lists("services", ns); n != 0 {
			t.Errorf("services listed %d times in %s, want none (the cluster-wide list serves it)", n, ns)
		}
	}
}
