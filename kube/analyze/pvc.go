package analyze

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// pvcAnalyzer diagnoses PersistentVolumeClaims stuck in Pending, and the
// pods that wait for them.
type pvcAnalyzer struct{}

var _ Analyzer = pvcAnalyzer{}

const (
	pvcDocs = "https://kubernetes.io/docs/concepts/storage/persistent-volumes/"
	// provisionGrace is how long a claim may wait for its provisioner
	// before silence counts as "no provisioner answered": a working one
	// creates a volume within seconds.
	provisionGrace = 30 * time.Second
	// selectedNodeAnnotation is set by the scheduler on a
	// WaitForFirstConsumer claim once a pod using it has a node.
	selectedNodeAnnotation = "volume.kubernetes.io/selected-node"
	defaultSCAnnotation    = "storageclass.kubernetes.io/is-default-class"
)

// pvcWorld is what a claim is checked against.
type pvcWorld struct {
	classes []storagev1.StorageClass
	// classesKnown is false when the StorageClasses could not be read (an
	// identity bound to one namespace): the claim is judged by its events.
	classesKnown bool
	events       []corev1.Event // the claim's own events, newest first
	users        []string       // pods that mount the claim
	now          time.Time
}

func (pvcAnalyzer) Analyze(ctx context.Context, src Source, s Scope) ([]kube.Finding, error) {
	pvcs, err := src.PersistentVolumeClaims(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	var pending []*corev1.PersistentVolumeClaim
	for i := range pvcs {
		if pvcs[i].Status.Phase == corev1.ClaimPending && pvcs[i].DeletionTimestamp == nil {
			pending = append(pending, &pvcs[i])
		}
	}
	if len(pending) == 0 {
		return nil, nil
	}
	classes, err := src.StorageClasses(ctx)
	classesKnown := err == nil
	if err != nil && !skipForbidden(src, err, s) {
		return nil, err
	}
	events, err := claimEvents(ctx, src, s.Namespace, pending)
	if err != nil {
		return nil, err
	}
	pods, err := src.Pods(ctx, s.Namespace)
	if err != nil {
		return nil, err
	}
	users := map[string][]string{}
	for _, p := range pods {
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				key := p.Namespace + "/" + v.PersistentVolumeClaim.ClaimName
				users[key] = append(users[key], p.Name)
			}
		}
	}
	byClaim := map[string][]corev1.Event{}
	for _, e := range events {
		key := e.Namespace + "/" + e.InvolvedObject.Name
		byClaim[key] = append(byClaim[key], e)
	}
	now := time.Now()
	var out []kube.Finding
	for _, pvc := range pending {
		key := pvc.Namespace + "/" + pvc.Name
		w := pvcWorld{events: byClaim[key], users: users[key], now: now, classesKnown: classesKnown}
		if classesKnown {
			w.classes = classes
		}
		if f, ok := checkPendingPVC(pvc, w); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// claimNamespaces is how many namespaces with pending claims are read one
// by one; more, and the claims' events are read cluster-wide (paged and
// capped by the Source like every events read).
const claimNamespaces = 10

// claimEvents reads the PersistentVolumeClaim events of the namespaces the
// pending claims are in, not of every namespace.
func claimEvents(ctx context.Context, src Source, ns string, pending []*corev1.PersistentVolumeClaim) ([]corev1.Event, error) {
	req := kube.EventsRequest{Namespace: ns, Kind: "PersistentVolumeClaim"}
	var spaces []string
	for _, pvc := range pending {
		if !slices.Contains(spaces, pvc.Namespace) {
			spaces = append(spaces, pvc.Namespace)
		}
	}
	if ns != "" || len(spaces) > claimNamespaces {
		return src.EventList(ctx, req)
	}
	var out []corev1.Event
	for _, n := range spaces {
		req.Namespace = n
		evs, err := src.EventList(ctx, req)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	return out, nil
}

// checkPendingPVC is the pure rule for one Pending claim: why no volume
// is bound to it.
func checkPendingPVC(pvc *corev1.PersistentVolumeClaim, w pvcWorld) (kube.Finding, bool) {
	if pvc.Status.Phase != corev1.ClaimPending {
		return kube.Finding{}, false
	}
	var names, defaults []string
	classes := map[string]*storagev1.StorageClass{}
	for i := range w.classes {
		c := &w.classes[i]
		classes[c.Name] = c
		names = append(names, c.Name)
		if c.Annotations[defaultSCAnnotation] == "true" {
			defaults = append(defaults, c.Name)
		}
	}
	sort.Strings(names)
	sort.Strings(defaults)
	f := kube.Finding{
		Object: kube.ObjectRef{Kind: "PersistentVolumeClaim", Namespace: pvc.Namespace, Name: pvc.Name}, Severity: kube.Warning,
		Reason: "PVCPending", Docs: pvcDocs,
	}
	var classLine string
	if pvc.Spec.StorageClassName != nil {
		classLine = "storageClassName: " + *pvc.Spec.StorageClassName
	} else {
		classLine = "storageClassName: not set"
	}
	f.Evidence = append(f.Evidence, classLine)
	if w.classesKnown {
		f.Evidence = append(f.Evidence, fmt.Sprintf("storage classes in the cluster: %s (default: %s)", orNone(names), orNone(defaults)))
	}
	if len(w.users) > 0 {
		f.Evidence = append(f.Evidence, "used by pod(s): "+orNone(sortedCopy(w.users)))
	}
	waiting := "; the pods that mount it stay Pending"
	if len(w.users) == 0 {
		waiting = ""
	}
	class := ""
	switch n := pvc.Spec.StorageClassName; {
	case n != nil && *n == "":
		f.Message = fmt.Sprintf("PersistentVolumeClaim %s asks for no storage class (storageClassName: \"\"), so only a pre-created PersistentVolume without class can bind it, and none matches%s", pvc.Name, waiting)
		f.Fix = "Create a matching PersistentVolume, or recreate the claim with the storageClassName of a provisioner."
		f.Docs = pvcDocs + "#binding"
		return withClaimEvents(f, w.events, 3), true
	case !w.classesKnown:
		if lastEvent(w.events, "ProvisioningFailed") == nil && w.now.Sub(pvc.CreationTimestamp.Time) < provisionGrace {
			return kube.Finding{}, false
		}
		if pvc.Annotations[selectedNodeAnnotation] == "" && lastEvent(w.events, "WaitForFirstConsumer") != nil {
			return kube.Finding{}, false // waits for a pod to be scheduled: by design
		}
		f.Message = fmt.Sprintf("PersistentVolumeClaim %s has been Pending for more than %s%s; the StorageClasses could not be read, see its events", pvc.Name, provisionGrace, waiting)
		f.Fix = "Check that its storageClassName names an installed class whose provisioner runs."
		return withClaimEvents(f, w.events, 3), true
	case n == nil && len(defaults) == 0:
		f.Message = fmt.Sprintf("PersistentVolumeClaim %s names no storage class and the cluster has no default StorageClass, so nothing provisions a volume for it%s", pvc.Name, waiting)
		f.Fix = "Recreate the claim with storageClassName set to an installed class (it cannot be changed in place), or mark one StorageClass as the default (annotation " + defaultSCAnnotation + `: "true").`
		f.Docs = "https://kubernetes.io/docs/concepts/storage/storage-classes/#default-storageclass"
		return withClaimEvents(f, w.events, 3), true
	case n == nil:
		class = defaults[0]
	default:
		class = *n
	}
	sc := classes[class]
	if sc == nil {
		f.Message = fmt.Sprintf("PersistentVolumeClaim %s asks for StorageClass %q, which does not exist, so no volume is provisioned for it%s", pvc.Name, class, waiting)
		f.Fix = fmt.Sprintf("storageClassName cannot be changed in place: recreate the claim with an existing class (%s), or create StorageClass %q.", orNone(names), class)
		if near := nearMiss(class, names); near != "" {
			f.Evidence = append(f.Evidence, fmt.Sprintf("near miss: StorageClass %q exists", near))
			f.Fix = fmt.Sprintf("StorageClass %q exists: recreate the claim with storageClassName: %s (it cannot be changed in place).", near, near)
		}
		f.Docs = "https://kubernetes.io/docs/concepts/storage/storage-classes/"
		return withClaimEvents(f, w.events, 3), true
	}
	f.Evidence = append(f.Evidence, fmt.Sprintf("storageclass %s: provisioner %s, volumeBindingMode %s", sc.Name, sc.Provisioner, bindingMode(sc)))
	if bindingMode(sc) == storagev1.VolumeBindingWaitForFirstConsumer && pvc.Annotations[selectedNodeAnnotation] == "" {
		return kube.Finding{}, false // waits for a pod to be scheduled: by design
	}
	failed := lastEvent(w.events, "ProvisioningFailed")
	if failed == nil && w.now.Sub(pvc.CreationTimestamp.Time) < provisionGrace {
		return kube.Finding{}, false // give the provisioner time
	}
	f.Docs = "https://kubernetes.io/docs/concepts/storage/dynamic-provisioning/"
	switch {
	case sc.Provisioner == "kubernetes.io/no-provisioner":
		f.Message = fmt.Sprintf("PersistentVolumeClaim %s uses StorageClass %s, which provisions nothing (kubernetes.io/no-provisioner), and no pre-created PersistentVolume matches it%s", pvc.Name, sc.Name, waiting)
		f.Fix = "Create a PersistentVolume of class " + sc.Name + " that satisfies the claim's size and access modes."
	case failed != nil:
		f.Message = fmt.Sprintf("PersistentVolumeClaim %s is Pending: provisioner %s failed to create its volume: %s", pvc.Name, sc.Provisioner, failed.Message)
		f.Fix = "Fix what the provisioner's error names (class parameters, quota, credentials), then the claim binds on the next retry."
	default:
		f.Message = fmt.Sprintf("PersistentVolumeClaim %s has been Pending for more than %s: no provisioner answered for StorageClass %s (provisioner %s)%s", pvc.Name, provisionGrace, sc.Name, sc.Provisioner, waiting)
		f.Fix = fmt.Sprintf("Install or repair the %s provisioner (its CSI controller pods), or recreate the claim with a class whose provisioner runs.", sc.Provisioner)
	}
	return withClaimEvents(f, w.events, 3), true
}

func bindingMode(sc *storagev1.StorageClass) storagev1.VolumeBindingMode {
	if sc.VolumeBindingMode == nil {
		return storagev1.VolumeBindingImmediate
	}
	return *sc.VolumeBindingMode
}

// lastEvent returns the newest event of reason, if any (events newest first).
func lastEvent(events []corev1.Event, reason string) *corev1.Event {
	for i := range events {
		if events[i].Reason == reason {
			return &events[i]
		}
	}
	return nil
}

// withClaimEvents adds the claim's newest events (at most n distinct
// reasons) as evidence.
func withClaimEvents(f kube.Finding, events []corev1.Event, n int) kube.Finding {
	seen := map[string]bool{}
	for _, e := range events {
		if len(seen) == n {
			break
		}
		if seen[e.Reason] {
			continue
		}
		seen[e.Reason] = true
		f.Evidence = append(f.Evidence, fmt.Sprintf("event %s: %s", e.Reason, e.Message))
	}
	return f
}
