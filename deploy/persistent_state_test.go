package deploy_test

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

// The persistent-state overlay is deploy/base with the state file on a PVC:
// the PVC exists, the container mounts it, KUBERTNETES_STATE points into
// it, and the whole overlay passes a server-side dry run.
func TestPersistentStateOverlay(t *testing.T) {
	objs := render(t, "persistent-state")
	find(t, objs, "PersistentVolumeClaim", "kubertnetes-state")
	var dep appsv1.Deployment
	fromUnstructured(t, find(t, objs, "Deployment", "kubertnetes"), &dep)
	spec := dep.Spec.Template.Spec
	c := spec.Containers[0]
	mounted := false
	for _, m := range c.VolumeMounts {
		if m.Name == "state" && m.MountPath == "/var/lib/kubertnetes" {
			mounted = true
		}
	}
	claimed := false
	for _, v := range spec.Volumes {
		if v.Name == "state" && v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "kubertnetes-state" {
			claimed = true
		}
	}
	state := ""
	for _, e := range c.Env {
		if e.Name == "KUBERTNETES_STATE" {
			state = e.Value
		}
	}
	if !mounted || !claimed || state != "/var/lib/kubertnetes/state.db" {
		t.Errorf("mounted %v, claimed %v, KUBERTNETES_STATE %q", mounted, claimed, state)
	}
	if sc := spec.SecurityContext; sc == nil || sc.FSGroup == nil || *sc.FSGroup != 65532 {
		t.Errorf("the volume must be writable by the non-root user (fsGroup 65532), got %+v", sc)
	}
	if n := len(spec.Volumes); n < 2 {
		t.Errorf("the patch replaced the base's volumes (%d left) instead of adding one", n)
	}

	// Namespaced objects need their namespace, even in a dry run; another
	// test may have just deleted it (deletion finishes asynchronously).
	cs := plane.Clientset(t)
	kubetest.Eventually(t, time.Minute, "namespace "+namespace+" gone or active", func() (bool, error) {
		ns, err := cs.CoreV1().Namespaces().Get(t.Context(), namespace, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return err == nil && ns.Status.Phase == corev1.NamespaceActive, err
	})
	admin := newClient(t, plane.Config())
	if _, err := cs.CoreV1().Namespaces().Get(t.Context(), namespace, metav1.GetOptions{}); apierrors.IsNotFound(err) {
		admin.create(t, find(t, objs, "Namespace", namespace))
	}
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			continue
		}
		if warnings, err := admin.dryRun(t, o); err != nil || len(warnings) > 0 {
			t.Errorf("dry-run create %s %s: %v %v", o.GetKind(), o.GetName(), err, warnings)
		}
	}
}
