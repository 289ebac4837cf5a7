package kube

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestListPagesFollowsContinue checks paging on the real API server: a
// page size smaller than the list still returns every object, once.
func TestListPagesFollowsContinue(t *testing.T) {
	ns := plane.Namespace(t)
	cs := plane.Clientset(t)
	for i := range 7 {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm-" + string(rune('a'+i))}}
		if _, err := cs.CoreV1().ConfigMaps(ns).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pages := 0
	got, err := listPages(t.Context(), "configmaps", ns, func(ctx context.Context, o metav1.ListOptions) ([]string, string, error) {
		pages++
		o.Limit = 3
		l, err := cs.CoreV1().ConfigMaps(ns).List(ctx, o)
		if err != nil {
			return nil, "", err
		}
		var names []string
		for _, cm := range l.Items {
			names = append(names, cm.Name)
		}
		return names, l.Continue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 7 ConfigMaps and kube-root-ca.crt, 3 a page.
	if len(got) != 8 || pages != 3 {
		t.Errorf("got %d objects in %d pages (%v), want 8 in 3", len(got), pages, got)
	}
}
