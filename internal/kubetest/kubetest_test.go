package kubetest_test

import (
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }

const manifests = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: test
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: registry.example/web:1
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: readers
subjects:
- kind: Group
  name: readers
  apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
`

func TestApply(t *testing.T) {
	ns := plane.Namespace(t)
	plane.Apply(t, ns, []byte(manifests))
	cs := plane.Clientset(t)

	if _, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), "settings", metav1.GetOptions{}); err != nil {
		t.Errorf("ConfigMap settings: %v", err)
	}
	kubetest.Eventually(t, 30*time.Second, "deployment web available", func() (bool, error) {
		d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), "web", metav1.GetOptions{})
		return err == nil && d.Status.AvailableReplicas == 2, err
	})

	// The Role binds to the group, not the user: a member may list pods, an outsider may not.
	tests := []struct {
		name      string
		groups    []string
		forbidden bool
	}{
		{"member of readers", []string{"readers"}, false},
		{"outsider", []string{"others"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ucs, err := kubernetes.NewForConfig(plane.User(t, "bob", tt.groups...))
			if err != nil {
				t.Fatal(err)
			}
			pods, err := ucs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
			switch {
			case tt.forbidden && !apierrors.IsForbidden(err):
				t.Errorf("list pods: got %v, want Forbidden", err)
			case !tt.forbidden && err != nil:
				t.Errorf("list pods: %v", err)
			case !tt.forbidden && len(pods.Items) != 2:
				t.Errorf("listed %d pods, want 2", len(pods.Items))
			}
		})
	}
}

func TestNamespacesAreFresh(t *testing.T) {
	a, b := plane.Namespace(t), plane.Namespace(t)
	if a == b {
		t.Fatalf("two calls returned the same namespace %q", a)
	}
	if !plane.Started() {
		t.Errorf("the plane served namespaces but reports Started() = false")
	}
}
