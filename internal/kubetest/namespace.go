package kubetest

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespace creates a fresh namespace named after the test, waits until
// pods can be created in it (its default ServiceAccount exists) and deletes
// it when the test ends.
func (p *Plane) Namespace(t testing.TB) string {
	t.Helper()
	cs := p.Clientset(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   namespaceName(t.Name(), randomSuffix()),
		Labels: map[string]string{"kubetest.kubertnetes.io/test": "true"},
	}}
	ctx := t.Context()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("kubetest: create namespace: %v", err)
	}
	name := ns.Name
	t.Cleanup(func() {
		// t.Context() is already done here. Deletion is not awaited: the
		// namespace controller finishes it while the next tests run.
		ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
		defer cancel()
		err := cs.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("kubetest: delete namespace %s: %v", name, err)
		}
	})
	Eventually(t, 30*time.Second, "ServiceAccount default in namespace "+name, func() (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	return name
}

// namespaceName derives a DNS label (at most 63 characters) from a test
// name, ending in -suffix.
func namespaceName(testName, suffix string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(testName) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	base := b.String()
	if limit := 63 - 1 - len(suffix); len(base) > limit {
		base = base[:limit]
	}
	base = strings.Trim(base, "-")
	if base == "" {
		base = "test"
	}
	return base + "-" + suffix
}

// randomSuffix returns 5 random lowercase alphanumerics.
func randomSuffix() string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 5)
	for i := range b {
		b[i] = chars[rand.IntN(len(chars))]
	}
	return string(b)
}
