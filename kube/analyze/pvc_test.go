package analyze

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

func TestCheckPendingPVC(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	claim := func(class *string, age time.Duration, ann map[string]string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "shop", CreationTimestamp: metav1.NewTime(now.Add(-age)), Annotations: ann},
			Spec:       corev1.PersistentVolumeClaimSpec{StorageClassName: class},
			Status:     corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
		}
	}
	name := func(s string) *string { return &s }
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	class := func(n, provisioner string, isDefault bool, mode *storagev1.VolumeBindingMode) storagev1.StorageClass {
		c := storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: n}, Provisioner: provisioner, VolumeBindingMode: mode}
		if isDefault {
			c.Annotations = map[string]string{defaultSCAnnotation: "true"}
		}
		return c
	}
	ev := func(reason, msg string) corev1.Event { return corev1.Event{Reason: reason, Message: msg} }
	standard := class("standard", "ebs.csi.aws.com", true, nil)
	fast := class("fast-ssd", "ebs.csi.aws.com", false, nil)
	local := class("local-path", "rancher.io/local-path", false, &wffc)
	static := class("manual", "kubernetes.io/no-provisioner", false, nil)
	all := []storagev1.StorageClass{standard, fast, local, static}
	tests := []struct {
		name  string
		pvc   *corev1.PersistentVolumeClaim
		world pvcWorld
		// message is a part of the message; "" means no finding
		message  string
		evidence []string
	}{
		{
			name: "class does not exist, near miss", pvc: claim(name("fast-sdd"), time.Second, nil),
			world:    pvcWorld{classes: all, classesKnown: true, users: []string{"db-0"}, events: []corev1.Event{ev("ProvisioningFailed", `storageclass.storage.k8s.io "fast-sdd" not found`)}},
			message:  `asks for StorageClass "fast-sdd", which does not exist`,
			evidence: []string{"storageClassName: fast-sdd", "storage classes in the cluster: fast-ssd, local-path, manual, standard (default: standard)", `near miss: StorageClass "fast-ssd" exists`, "used by pod(s): db-0", `event ProvisioningFailed: storageclass.storage.k8s.io "fast-sdd" not found`},
		},
		{
			name: "no class, no default", pvc: claim(nil, time.Second, nil),
			world:    pvcWorld{classes: []storagev1.StorageClass{fast}, classesKnown: true, events: []corev1.Event{ev("FailedBinding", "no persistent volumes available for this claim and no storage class is set")}},
			message:  "names no storage class and the cluster has no default StorageClass",
			evidence: []string{"storageClassName: not set", "storage classes in the cluster: fast-ssd (default: none)", "event FailedBinding: no persistent volumes available for this claim and no storage class is set"},
		},
		{
			name: "no class, no classes at all", pvc: claim(nil, time.Second, nil),
			world:    pvcWorld{classes: nil, classesKnown: true},
			message:  "no default StorageClass",
			evidence: []string{"storage classes in the cluster: none (default: none)"},
		},
		{
			name: "empty class: static binding only", pvc: claim(name(""), time.Hour, nil),
			world:   pvcWorld{classes: all, classesKnown: true},
			message: "only a pre-created PersistentVolume without class can bind it",
		},
		{
			name: "existing class, young claim: give the provisioner time", pvc: claim(name("fast-ssd"), 5*time.Second, nil),
			world: pvcWorld{classes: all, classesKnown: true, events: []corev1.Event{ev("ExternalProvisioning", "Waiting for a volume to be created")}},
		},
		{
			name: "existing class, nobody answered", pvc: claim(name("fast-ssd"), time.Minute, nil),
			world:    pvcWorld{classes: all, classesKnown: true, events: []corev1.Event{ev("ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com'"), ev("ExternalProvisioning", "older")}},
			message:  "no provisioner answered for StorageClass fast-ssd (provisioner ebs.csi.aws.com)",
			evidence: []string{"storageclass fast-ssd: provisioner ebs.csi.aws.com, volumeBindingMode Immediate", "event ExternalProvisioning: Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com'"},
		},
		{
			name: "default class applies to a claim without class", pvc: claim(nil, time.Minute, nil),
			world:   pvcWorld{classes: all, classesKnown: true},
			message: "no provisioner answered for StorageClass standard",
		},
		{
			name: "provisioning failed: reported at once", pvc: claim(name("fast-ssd"), time.Second, nil),
			world:   pvcWorld{classes: all, classesKnown: true, events: []corev1.Event{ev("ProvisioningFailed", "quota exceeded")}},
			message: "provisioner ebs.csi.aws.com failed to create its volume: quota exceeded",
		},
		{
			name: "wait for first consumer, no consumer yet: by design", pvc: claim(name("local-path"), time.Hour, nil),
			world: pvcWorld{classes: all, classesKnown: true, events: []corev1.Event{ev("WaitForFirstConsumer", "waiting for first consumer to be created before binding")}},
		},
		{
			name: "wait for first consumer, node selected, nobody answered", pvc: claim(name("local-path"), time.Hour, map[string]string{selectedNodeAnnotation: "node-1"}),
			world:   pvcWorld{classes: all, classesKnown: true},
			message: "no provisioner answered for StorageClass local-path (provisioner rancher.io/local-path)",
		},
		{
			name: "no-provisioner class", pvc: claim(name("manual"), time.Hour, nil),
			world:   pvcWorld{classes: all, classesKnown: true},
			message: "provisions nothing (kubernetes.io/no-provisioner)",
		},
		{
			name: "classes unreadable: judged by age and events", pvc: claim(name("fast-ssd"), time.Hour, nil),
			world:    pvcWorld{events: []corev1.Event{ev("ExternalProvisioning", "waiting")}},
			message:  "the StorageClasses could not be read",
			evidence: []string{"storageClassName: fast-ssd", "event ExternalProvisioning: waiting"},
		},
		{
			name: "classes unreadable, waiting for a consumer", pvc: claim(name("local-path"), time.Hour, nil),
			world: pvcWorld{events: []corev1.Event{ev("WaitForFirstConsumer", "waiting")}},
		},
		{
			name: "bound claims are fine", pvc: func() *corev1.PersistentVolumeClaim {
				c := claim(name("nope"), time.Hour, nil)
				c.Status.Phase = corev1.ClaimBound
				return c
			}(),
			world: pvcWorld{classes: all, classesKnown: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.world.now = now
			f, ok := checkPendingPVC(tt.pvc, tt.world)
			if tt.message == "" {
				if ok {
					t.Fatalf("got %+v, want no finding", f)
				}
				return
			}
			if !ok {
				t.Fatalf("no finding, want one saying %q", tt.message)
			}
			if f.Reason != "PVCPending" || f.Severity != kube.Warning || f.Object != (kube.ObjectRef{Kind: "PersistentVolumeClaim", Namespace: "shop", Name: "data"}) || f.Docs == "" || f.Fix == "" {
				t.Errorf("finding = %+v", f)
			}
			if !strings.Contains(f.Message, tt.message) {
				t.Errorf("message %q lacks %q", f.Message, tt.message)
			}
			for _, e := range tt.evidence {
				if !slices.Contains(f.Evidence, e) {
					t.Errorf("evidence %q lacks %q", f.Evidence, e)
				}
			}
		})
	}
}
