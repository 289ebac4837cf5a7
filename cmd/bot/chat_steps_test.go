package main

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The demo's second fault, as a new user meets it with no model: faulty-app
// reads its ConfigMap at start, so the offline brain's near-miss fix comes
// with the restart of faulty-app; one "y" applies both in order, and the
// fix is verified on the Deployment that was broken, not on the ConfigMap.
func TestChatFixesFaultyAppsConfigMapAndRestartsItsReader(t *testing.T) {
	d := loadDemo(t)
	settings := map[string]string{"KUBECONFIG": plane.Cluster().KubeconfigPath(), "KUBERTNETES_VERIFY_TIMEOUT": "60s"}
	out, err := runCLI(t, settings, "why is faulty-app not working in namespace "+d.ns+"?\ny\nexit\n", "chat")
	if err != nil {
		t.Fatalf("chat: %v\n%s", err, out)
	}
	for _, want := range []string{
		"2 steps, approved together and applied in order",
		"1. merge-patch on configmap/faulty-app-config",
		"2. rollout-restart on deployment/faulty-app",
		"configmap/faulty-app-config in namespace " + d.ns + " is now at resourceVersion",
		"deployment/faulty-app in namespace " + d.ns + " is now at resourceVersion",
		"verified ✅",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("chat output lacks %q:\n%s", want, out)
		}
	}
	ctx := context.Background()
	cm, err := d.cs.CoreV1().ConfigMaps(d.ns).Get(ctx, "faulty-app-config", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cm.Data["BACKEND_URL"]; got != "http://backend-service:8080/healthz" {
		t.Errorf("BACKEND_URL = %q", got)
	}
	dep, err := d.cs.AppsV1().Deployments(d.ns).Get(ctx, "faulty-app", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dep.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
		t.Errorf("faulty-app was not restarted, so it still reads the old value")
	}
}
