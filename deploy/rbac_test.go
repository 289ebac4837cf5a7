package deploy_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

// The bot's identity in the cluster. RBAC matches a ServiceAccount subject
// by this user name, so a client certificate with this name and the
// ServiceAccount groups is, for authorization, the ServiceAccount itself:
// the tests bind the shipped ClusterRoleBindings unchanged.
var (
	botUser   = "system:serviceaccount:" + namespace + ":" + serviceAccount
	botGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"}
)

// access is one thing the bot tries. do makes the real request as the bot
// (nil: checked by SubjectAccessReview only).
type access struct {
	name  string
	attrs authorizationv1.ResourceAttributes
	do    func(ctx context.Context, bot kubernetes.Interface) error
}

// TestRBAC proves what the shipped roles let the bot do, two ways: a
// SubjectAccessReview asked as admin, and the real request made as the bot.
func TestRBAC(t *testing.T) {
	admin := newClient(t, plane.Config())
	cs := plane.Clientset(t)
	ns := plane.Namespace(t)
	w := seed(t, cs, ns)
	bot, err := kubernetes.NewForConfig(plane.User(t, botUser, botGroups...))
	if err != nil {
		t.Fatal(err)
	}
	impersonator := plane.User(t, botUser, botGroups...)
	// Were impersonation allowed, this would be a cluster admin: so a
	// Forbidden answer can only mean the impersonation itself was refused.
	impersonator.Impersonate = rest.ImpersonationConfig{UserName: "alice", Groups: []string{"system:masters"}}
	botAsAlice, err := kubernetes.NewForConfig(impersonator)
	if err != nil {
		t.Fatal(err)
	}

	reads, denied, fixes := accesses(ns, w, botAsAlice)

	check := func(t *testing.T, a access, want bool) {
		t.Helper()
		if got := allowed(t, cs, a.attrs); got != want {
			t.Errorf("SubjectAccessReview: allowed = %v, want %v", got, want)
		}
		if a.do == nil {
			return
		}
		err := a.do(t.Context(), bot)
		switch {
		case want && err != nil:
			t.Errorf("as the bot: %v", err)
		case !want && !apierrors.IsForbidden(err):
			t.Errorf("as the bot: got %v, want Forbidden", err)
		}
	}

	base := render(t, "base")
	admin.create(t, find(t, base, "ClusterRole", "kubertnetes-reader"))
	admin.create(t, find(t, base, "ClusterRoleBinding", "kubertnetes-reader"))
	waitAllowed(t, cs, reads[0].attrs)

	t.Run("reader", func(t *testing.T) {
		for _, a := range reads {
			t.Run("can "+a.name, func(t *testing.T) { check(t, a, true) })
		}
		for _, a := range slices.Concat(denied, fixes) {
			t.Run("cannot "+a.name, func(t *testing.T) { check(t, a, false) })
		}
	})

	for _, o := range render(t, "fixer") {
		admin.create(t, o)
	}
	waitAllowed(t, cs, fixes[0].attrs)

	t.Run("reader and fixer", func(t *testing.T) {
		for _, a := range slices.Concat(reads, fixes) {
			t.Run("can "+a.name, func(t *testing.T) { check(t, a, true) })
		}
		for _, a := range denied {
			t.Run("cannot "+a.name, func(t *testing.T) { check(t, a, false) })
		}
		d, err := cs.AppsV1().Deployments(ns).Get(t.Context(), w.deployment, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Annotations["kubertnetes.io/test"]; got != "patched" {
			t.Errorf("after the bot's patch, annotation = %q, want %q", got, "patched")
		}
	})
}

// accesses are the requests TestRBAC makes: what the reader role allows,
// what no shipped role allows, and what only the fixer role adds.
// botAsAlice is the bot impersonating a cluster admin.
func accesses(ns string, w workload, botAsAlice kubernetes.Interface) (reads, denied, fixes []access) {
	attrs := func(verb, group, resource, sub, name string) authorizationv1.ResourceAttributes {
		return authorizationv1.ResourceAttributes{Namespace: ns, Verb: verb, Group: group, Resource: resource, Subresource: sub, Name: name}
	}
	cluster := func(a authorizationv1.ResourceAttributes) authorizationv1.ResourceAttributes {
		a.Namespace = ""
		return a
	}
	patch := []byte(`{"metadata":{"annotations":{"kubertnetes.io/test":"patched"}}}`)

	reads = []access{
		{"list pods", attrs("list", "", "pods", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"watch pods", attrs("watch", "", "pods", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			wi, err := bot.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
			if err == nil {
				wi.Stop()
			}
			return err
		}},
		{"get pods/log", attrs("get", "", "pods", "log", w.pod), func(ctx context.Context, bot kubernetes.Interface) error {
			got, err := bot.CoreV1().Pods(ns).GetLogs(w.pod, &corev1.PodLogOptions{Container: "app"}).DoRaw(ctx)
			if err == nil && string(got) != "hello from app\n" {
				return fmt.Errorf("logs = %q, want %q", got, "hello from app\n")
			}
			return err
		}},
		{"list deployments", attrs("list", "apps", "deployments", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"get deployment", attrs("get", "apps", "deployments", "", w.deployment), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.AppsV1().Deployments(ns).Get(ctx, w.deployment, metav1.GetOptions{})
			return err
		}},
		{"list events", attrs("list", "", "events", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list events.k8s.io events", attrs("list", "events.k8s.io", "events", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.EventsV1().Events(ns).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list configmaps", attrs("list", "", "configmaps", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list nodes", cluster(attrs("list", "", "nodes", "", "")), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list namespaces", cluster(attrs("list", "", "namespaces", "", "")), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list persistentvolumes", cluster(attrs("list", "", "persistentvolumes", "", "")), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list storageclasses", cluster(attrs("list", "storage.k8s.io", "storageclasses", "", "")), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list ingressclasses", cluster(attrs("list", "networking.k8s.io", "ingressclasses", "", "")), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.NetworkingV1().IngressClasses().List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list pods in all namespaces", cluster(attrs("list", "", "pods", "", "")), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list jobs", attrs("list", "batch", "jobs", "", ""), nil},
		{"list horizontalpodautoscalers", attrs("list", "autoscaling", "horizontalpodautoscalers", "", ""), nil},
		{"list poddisruptionbudgets", attrs("list", "policy", "poddisruptionbudgets", "", ""), nil},
		{"list endpointslices", attrs("list", "discovery.k8s.io", "endpointslices", "", ""), nil},
		{"get metrics.k8s.io pods", attrs("get", "metrics.k8s.io", "pods", "", w.pod), nil},
		{"list metrics.k8s.io nodes", cluster(attrs("list", "metrics.k8s.io", "nodes", "", "")), nil},
	}
	denied = []access{
		{"get secret", attrs("get", "", "secrets", "", w.secret), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().Secrets(ns).Get(ctx, w.secret, metav1.GetOptions{})
			return err
		}},
		{"list secrets", attrs("list", "", "secrets", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"list secrets in all namespaces", cluster(attrs("list", "", "secrets", "", "")), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().Secrets("").List(ctx, metav1.ListOptions{})
			return err
		}},
		{"watch secrets", attrs("watch", "", "secrets", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			wi, err := bot.CoreV1().Secrets(ns).Watch(ctx, metav1.ListOptions{})
			if err == nil {
				wi.Stop()
			}
			return err
		}},
		{"create pod", attrs("create", "", "pods", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "intruder"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
			_, err := bot.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
			return err
		}},
		{"patch pod", attrs("patch", "", "pods", "", w.pod), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.CoreV1().Pods(ns).Patch(ctx, w.pod, types.MergePatchType, patch, metav1.PatchOptions{})
			return err
		}},
		{"exec into pod", attrs("create", "", "pods", "exec", w.pod), func(ctx context.Context, bot kubernetes.Interface) error {
			return bot.CoreV1().RESTClient().Post().Namespace(ns).Resource("pods").Name(w.pod).SubResource("exec").
				Param("container", "app").Param("command", "true").Param("stdout", "true").Do(ctx).Error()
		}},
		{"create deployment", attrs("create", "apps", "deployments", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			_, err := bot.AppsV1().Deployments(ns).Create(ctx, deployment("intruder"), metav1.CreateOptions{})
			return err
		}},
		{"update deployment", attrs("update", "apps", "deployments", "", w.deployment), nil},
		{"delete deployment", attrs("delete", "apps", "deployments", "", w.deployment), func(ctx context.Context, bot kubernetes.Interface) error {
			return bot.AppsV1().Deployments(ns).Delete(ctx, w.deployment, metav1.DeleteOptions{})
		}},
		{"create secret", attrs("create", "", "secrets", "", ""), nil},
		{"patch secret", attrs("patch", "", "secrets", "", w.secret), nil},
		{"patch clusterrole", cluster(attrs("patch", "rbac.authorization.k8s.io", "clusterroles", "", "kubertnetes-fixer")), nil},
		{"patch node", cluster(attrs("patch", "", "nodes", "", "kwok-node-0")), nil},
		{"delete namespace", cluster(attrs("delete", "", "namespaces", "", ns)), func(ctx context.Context, bot kubernetes.Interface) error {
			return bot.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
		}},
		{"impersonate a user", cluster(attrs("impersonate", "", "users", "", "alice")), func(ctx context.Context, _ kubernetes.Interface) error {
			_, err := botAsAlice.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
			return err
		}},
		{"impersonate a group", cluster(attrs("impersonate", "", "groups", "", "system:masters")), nil},
		{"create a token for a serviceaccount", attrs("create", "", "serviceaccounts", "token", "default"), nil},
	}
	fixes = []access{
		{"patch deployment", attrs("patch", "apps", "deployments", "", w.deployment), func(ctx context.Context, bot kubernetes.Interface) error {
			// A dry run first, as the fixer previews, then the real patch.
			_, err := bot.AppsV1().Deployments(ns).Patch(ctx, w.deployment, types.MergePatchType, patch, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}})
			if err != nil {
				return err
			}
			_, err = bot.AppsV1().Deployments(ns).Patch(ctx, w.deployment, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "kubertnetes"})
			return err
		}},
		{"patch statefulset", attrs("patch", "apps", "statefulsets", "", "db"), nil},
		{"patch daemonset", attrs("patch", "apps", "daemonsets", "", "agent"), nil},
		{"patch replicaset", attrs("patch", "apps", "replicasets", "", "web-abc"), nil},
		{"patch configmap", attrs("patch", "", "configmaps", "", "anything"), nil},
		{"patch service", attrs("patch", "", "services", "", "web"), nil},
		{"create configmap", attrs("create", "", "configmaps", "", ""), nil},
		{"patch ingress", attrs("patch", "networking.k8s.io", "ingresses", "", "web"), nil},
		{"patch job", attrs("patch", "batch", "jobs", "", "migrate"), nil},
		{"delete pod (the delete-pod fix)", attrs("delete", "", "pods", "", w.pod), nil},
		{"create event", attrs("create", "", "events", "", ""), func(ctx context.Context, bot kubernetes.Interface) error {
			ev := &corev1.Event{
				ObjectMeta:     metav1.ObjectMeta{GenerateName: "kubertnetes-"},
				InvolvedObject: corev1.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: ns, Name: w.deployment},
				Reason:         "FixApplied", Message: "test", Type: corev1.EventTypeNormal,
				Source: corev1.EventSource{Component: "kubertnetes"},
			}
			_, err := bot.CoreV1().Events(ns).Create(ctx, ev, metav1.CreateOptions{})
			return err
		}},
	}
	return reads, denied, fixes
}

// allowed asks, as admin, whether the bot may do attrs.
func allowed(t *testing.T, cs kubernetes.Interface, attrs authorizationv1.ResourceAttributes) bool {
	t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: botUser, Groups: botGroups, ResourceAttributes: &attrs,
	}}
	got, err := cs.AuthorizationV1().SubjectAccessReviews().Create(t.Context(), sar, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("SubjectAccessReview %+v: %v", attrs, err)
	}
	return got.Status.Allowed
}

// waitAllowed waits until the RBAC authorizer has seen a new binding.
func waitAllowed(t *testing.T, cs kubernetes.Interface, attrs authorizationv1.ResourceAttributes) {
	t.Helper()
	what := fmt.Sprintf("the bot to be allowed to %s %s (a new binding takes effect within a second)", attrs.Verb, attrs.Resource)
	kubetest.Eventually(t, 10*time.Second, what, func() (bool, error) {
		return allowed(t, cs, attrs), nil
	})
}

// workload names what seed created.
type workload struct{ deployment, pod, secret string }

// seed creates, as admin, a Deployment, a Secret and a running Pod whose
// container "app" logs one line.
func seed(t *testing.T, cs kubernetes.Interface, ns string) workload {
	t.Helper()
	ctx := t.Context()
	w := workload{deployment: "web", pod: "logger", secret: "db-password"}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, deployment(w.deployment), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: w.secret}, StringData: map[string]string{"password": "hunter2"}}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: w.pod}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}}}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := plane.Cluster().SetContainerLogs(ctx, ns, "app", []string{"hello from app"}, nil); err != nil {
		t.Fatal(err)
	}
	kubetest.Eventually(t, 30*time.Second, "pod "+w.pod+" running", func() (bool, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, w.pod, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, err
	})
	return w
}

func deployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example/" + name + ":1"}}},
			},
		},
	}
}
