package localcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/kubertnetes/kubertnetes/internal/poll"
)

// testFaults proves every fault kind on the plane, and that fixing the
// spec (or, for a missing ConfigMap, creating it) clears the fault.
func testFaults(t *testing.T, cs kubernetes.Interface) {
	t.Run("crash", func(t *testing.T) { t.Parallel(); testCrashRule(t, cs) })
	t.Run("oom killed", func(t *testing.T) { t.Parallel(); testOOMKilled(t, cs) })
	t.Run("image pull", func(t *testing.T) { t.Parallel(); testImagePull(t, cs) })
	t.Run("init container image pull", func(t *testing.T) { t.Parallel(); testInitImagePull(t, cs) })
	t.Run("missing configmap", func(t *testing.T) { t.Parallel(); testMissingConfigMap(t, cs) })
	t.Run("missing secret key", func(t *testing.T) { t.Parallel(); testMissingSecretKey(t, cs) })
	t.Run("readiness probe", func(t *testing.T) { t.Parallel(); testReadinessProbe(t, cs) })
	t.Run("liveness probe", func(t *testing.T) { t.Parallel(); testLivenessProbe(t, cs) })
	t.Run("job pod failure", func(t *testing.T) { t.Parallel(); testJobFailure(t, cs) })
}

// create makes d in ns.
func create(t *testing.T, cs kubernetes.Interface, ns string, d func(*corev1.PodSpec), name string) {
	t.Helper()
	dep := deployment(name, "app", nil)
	d(&dep.Spec.Template.Spec)
	if _, err := cs.AppsV1().Deployments(ns).Create(t.Context(), dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// patchApp applies a strategic merge patch to container "app" of
// deployment name.
func patchApp(t *testing.T, cs kubernetes.Interface, ns, name string, container map[string]any) {
	t.Helper()
	container["name"] = "app"
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{container},
	}}}})
	if _, err := cs.AppsV1().Deployments(ns).Patch(t.Context(), name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// healthy is a condition: the only pod of deployment name is a new one
// (not old), Ready, without restarts. When it is not, the error says what
// the pods are like.
func healthy(ctx context.Context, cs kubernetes.Interface, ns, name string, old types.UID) (bool, error) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
	if err != nil {
		return false, err
	}
	if len(pods.Items) != 1 {
		return false, fmt.Errorf("%d pods of %s", len(pods.Items), name)
	}
	p := pods.Items[0]
	if p.UID == old || !podReady(&p) || appStatus(&p, "app") == nil || appStatus(&p, "app").RestartCount != 0 {
		return false, fmt.Errorf("pod %s (old: %v) ready %v, status %+v", p.Name, p.UID == old, podReady(&p), p.Status.ContainerStatuses)
	}
	return true, nil
}

// waitHealthy waits until deployment name is healthy (see healthy).
func waitHealthy(t *testing.T, cs kubernetes.Interface, ns, name string, old types.UID) {
	t.Helper()
	poll.Until(t, 30*time.Second, name+" healthy after the fix", func() (bool, error) { return healthy(t.Context(), cs, ns, name, old) })
}

// stillHealthy fails t unless deployment name is still healthy (see
// healthy) once the simulator has played the stages that could have
// broken it (see controlPod).
func stillHealthy(t *testing.T, cs kubernetes.Interface, ns, name string, old types.UID) {
	t.Helper()
	if ok, err := healthy(t.Context(), cs, ns, name, old); !ok {
		t.Fatalf("%s no longer healthy once a control pod went through the rule: %v", name, err)
	}
}

// controlPod creates a bare pod called control in ns, labelled
// app=control, its one container "app" shaped by spec, and waits until it
// is done. It is how a test shows that something did NOT happen to the
// pods it checks without watching a clock: kwok plays a pod's next stage a
// fixed delay after it sees the pod change, so once a control pod that
// meets the same rule, and was created after those pods last changed, has
// been through the rule's stages, any stage the rule had due for them has
// been played as well.
func controlPod(t *testing.T, cs kubernetes.Interface, ns string, spec func(*corev1.PodSpec), what string, done func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	const name = "control"
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/" + name + ":1"}}},
	}
	spec(&pod.Spec)
	if _, err := cs.CoreV1().Pods(ns).Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return waitPod(t, cs, ns, "app="+name, what, done)
}

// appStatus returns the status of container "app" (or an init container).
func appStatus(p *corev1.Pod, name string) *corev1.ContainerStatus {
	for _, ss := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for i := range ss {
			if ss[i].Name == name {
				return &ss[i]
			}
		}
	}
	return nil
}

func waiting(p *corev1.Pod, container, reason string) bool {
	s := appStatus(p, container)
	return s != nil && s.State.Waiting != nil && s.State.Waiting.Reason == reason
}

// waitEvent waits for an event of pod with type, reason and a message
// containing msg, about fieldPath.
func waitEvent(t *testing.T, cs kubernetes.Interface, p *corev1.Pod, typ, reason, fieldPath, msg string) corev1.Event {
	t.Helper()
	var found corev1.Event
	poll.Until(t, 30*time.Second, fmt.Sprintf("event %s %s %q", typ, reason, msg), func() (bool, error) {
		evs, err := cs.CoreV1().Events(p.Namespace).List(t.Context(), metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("involvedObject.name", p.Name).String(),
		})
		if err != nil {
			return false, err
		}
		i := slices.IndexFunc(evs.Items, func(e corev1.Event) bool {
			return e.Type == typ && e.Reason == reason && e.InvolvedObject.FieldPath == fieldPath && strings.Contains(e.Message, msg)
		})
		if i >= 0 {
			found = evs.Items[i]
		}
		return i >= 0, nil
	})
	if found.Source.Component != "kubelet" || found.Source.Host != p.Spec.NodeName || found.InvolvedObject.UID != p.UID {
		t.Errorf("event %s: source %+v, involved %+v; want the kubelet of %s about pod %s", reason, found.Source, found.InvolvedObject, p.Spec.NodeName, p.UID)
	}
	return found
}

func testOOMKilled(t *testing.T, cs kubernetes.Interface) {
	ns := createNamespace(t, cs, "fault-oom")
	create(t, cs, ns, func(s *corev1.PodSpec) {
		s.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("16Mi")}
	}, "hog")
	p := waitPod(t, cs, ns, "app=hog", "OOMKilled twice", func(p *corev1.Pod) bool {
		s := appStatus(p, "app")
		return waiting(p, "app", "CrashLoopBackOff") && s.RestartCount >= 2
	})
	term := appStatus(p, "app").LastTerminationState.Terminated
	if term == nil || term.ExitCode != 137 || term.Reason != "OOMKilled" {
		t.Errorf("lastState.terminated = %+v, want 137 OOMKilled", term)
	}
	waitEvent(t, cs, p, "Warning", "BackOff", "spec.containers{app}", "Back-off restarting failed container app in pod "+p.Name+"_"+ns)
	patchApp(t, cs, ns, "hog", map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "256Mi"}}})
	waitHealthy(t, cs, ns, "hog", p.UID)
}

func testImagePull(t *testing.T, cs kubernetes.Interface) {
	ns := createNamespace(t, cs, "fault-pull")
	create(t, cs, ns, func(s *corev1.PodSpec) { s.Containers[0].Image = "registry.invalid/shop/web:1" }, "web")
	p := waitPod(t, cs, ns, "app=web", "ErrImagePull", func(p *corev1.Pod) bool { return waiting(p, "app", "ErrImagePull") })
	wantErr := `failed to pull and unpack image "registry.invalid/shop/web:1"`
	if msg := appStatus(p, "app").State.Waiting.Message; !strings.Contains(msg, wantErr) {
		t.Errorf("ErrImagePull message %q, want it to contain %q", msg, wantErr)
	}
	waitEvent(t, cs, p, "Warning", "Failed", "spec.containers{app}", `Failed to pull image "registry.invalid/shop/web:1": `)
	waitEvent(t, cs, p, "Warning", "Failed", "spec.containers{app}", "Error: ErrImagePull")
	p = waitPod(t, cs, ns, "app=web", "ImagePullBackOff", func(p *corev1.Pod) bool { return waiting(p, "app", "ImagePullBackOff") })
	if msg := appStatus(p, "app").State.Waiting.Message; !strings.HasPrefix(msg, `Back-off pulling image "registry.invalid/shop/web:1": ErrImagePull: `) {
		t.Errorf("ImagePullBackOff message %q", msg)
	}
	if p.Status.Phase != corev1.PodPending || podReady(p) {
		t.Errorf("phase %s, ready %v; want Pending, not ready", p.Status.Phase, podReady(p))
	}
	waitEvent(t, cs, p, "Normal", "BackOff", "spec.containers{app}", `Back-off pulling image "registry.invalid/shop/web:1"`)
	waitEvent(t, cs, p, "Warning", "Failed", "spec.containers{app}", "Error: ImagePullBackOff")
	patchApp(t, cs, ns, "web", map[string]any{"image": "registry.example/shop/web:1"})
	waitHealthy(t, cs, ns, "web", p.UID)
}

func testInitImagePull(t *testing.T, cs kubernetes.Interface) {
	ns := createNamespace(t, cs, "fault-init")
	create(t, cs, ns, func(s *corev1.PodSpec) {
		s.InitContainers = []corev1.Container{{Name: "migrate", Image: "registry.invalid/shop/migrate:1"}}
	}, "api")
	p := waitPod(t, cs, ns, "app=api", "Init:ImagePullBackOff", func(p *corev1.Pod) bool { return waiting(p, "migrate", "ImagePullBackOff") })
	if !waiting(p, "app", "PodInitializing") || p.Status.Phase != corev1.PodPending {
		t.Errorf("app %+v in phase %s; want waiting PodInitializing, Pending", appStatus(p, "app").State, p.Status.Phase)
	}
	waitEvent(t, cs, p, "Normal", "BackOff", "spec.initContainers{migrate}", `Back-off pulling image "registry.invalid/shop/migrate:1"`)
	patch := []byte(`{"spec":{"template":{"spec":{"initContainers":[{"name":"migrate","image":"registry.example/shop/migrate:1"}]}}}}`)
	if _, err := cs.AppsV1().Deployments(ns).Patch(t.Context(), "api", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, cs, ns, "api", p.UID)
}

func testMissingConfigMap(t *testing.T, cs kubernetes.Interface) {
	ns := createNamespace(t, cs, "fault-config")
	create(t, cs, ns, func(s *corev1.PodSpec) {
		s.Containers[0].EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app-config"}}}}
	}, "shop")
	p := waitPod(t, cs, ns, "app=shop", "CreateContainerConfigError", func(p *corev1.Pod) bool { return waiting(p, "app", "CreateContainerConfigError") })
	if msg := appStatus(p, "app").State.Waiting.Message; msg != `configmap "app-config" not found` {
		t.Errorf("message %q, want the kubelet's", msg)
	}
	ev := waitEvent(t, cs, p, "Warning", "Failed", "spec.containers{app}", `Error: configmap "app-config" not found`)
	// Still so once the check has tried again: nothing else makes it run.
	// The check counts each failure on the event: 1 for the first check, 2
	// for its re-check of the status it wrote, 3 for a retry configRetry
	// later (by when kwok has long seen that status too).
	poll.Until(t, 30*time.Second, "the config check to retry", func() (bool, error) {
		e, err := cs.CoreV1().Events(ns).Get(t.Context(), ev.Name, metav1.GetOptions{})
		return err == nil && e.Count >= 3, err
	})
	if got, err := cs.CoreV1().Pods(ns).Get(t.Context(), p.Name, metav1.GetOptions{}); err != nil || !waiting(got, "app", "CreateContainerConfigError") || podReady(got) {
		t.Fatalf("after the check's retry: %v, %+v", err, got.Status)
	}
	// As on a node, creating the ConfigMap lets the same pod start.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config"}, Data: map[string]string{"LOG_LEVEL": "info"}}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPod(t, cs, ns, "app=shop", "Ready once the ConfigMap exists", func(q *corev1.Pod) bool { return q.UID == p.UID && podReady(q) })
}

func testMissingSecretKey(t *testing.T, cs kubernetes.Interface) {
	ns := createNamespace(t, cs, "fault-secret")
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db"}, StringData: map[string]string{"password": "x"}}
	if _, err := cs.CoreV1().Secrets(ns).Create(t.Context(), secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ref := func(key string) []corev1.EnvVar {
		return []corev1.EnvVar{{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: key,
		}}}}
	}
	create(t, cs, ns, func(s *corev1.PodSpec) { s.Containers[0].Env = ref("passwd") }, "orders")
	p := waitPod(t, cs, ns, "app=orders", "CreateContainerConfigError", func(p *corev1.Pod) bool { return waiting(p, "app", "CreateContainerConfigError") })
	if msg, want := appStatus(p, "app").State.Waiting.Message, "couldn't find key passwd in Secret "+ns+"/db"; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
	patchApp(t, cs, ns, "orders", map[string]any{"env": ref("password")})
	waitHealthy(t, cs, ns, "orders", p.UID)
}

// probeApp declares port 8080 and probes 9090, which nothing listens on.
func probeApp(live bool) func(s *corev1.PodSpec) {
	return func(s *corev1.PodSpec) {
		c := &s.Containers[0]
		c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
		probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(9090)}},
			PeriodSeconds: 1, FailureThreshold: 1}
		if live {
			c.LivenessProbe = probe
		} else {
			c.ReadinessProbe = probe
		}
	}
}

func testReadinessProbe(t *testing.T, cs kubernetes.Interface) {
	ns := createNamespace(t, cs, "fault-ready")
	create(t, cs, ns, probeApp(false), "web")
	p := waitPod(t, cs, ns, "app=web", "running, not ready", func(p *corev1.Pod) bool {
		s := appStatus(p, "app")
		return p.Status.Phase == corev1.PodRunning && s != nil && s.State.Running != nil && !s.Ready
	})
	ev := waitEvent(t, cs, p, "Warning", "Unhealthy", "spec.containers{app}", "Readiness probe failed: ")
	if want := fmt.Sprintf(`Readiness probe failed: Get "http://%s:9090/healthz": dial tcp %[1]s:9090: connect: connection refused`, p.Status.PodIP); ev.Message != want {
		t.Errorf("Unhealthy message %q, want %q", ev.Message, want)
	}
	// Never Ready: a control pod with the same probe, created after p's
	// last stage (the one that records Unhealthy), goes through both of the
	// rule's stages, and p still is not Ready.
	c := controlPod(t, cs, ns, probeApp(false), "running", func(p *corev1.Pod) bool {
		s := appStatus(p, "app")
		return p.Status.Phase == corev1.PodRunning && s != nil && s.State.Running != nil
	})
	waitEvent(t, cs, c, "Warning", "Unhealthy", "spec.containers{app}", "Readiness probe failed: ")
	if got, err := cs.CoreV1().Pods(ns).Get(t.Context(), p.Name, metav1.GetOptions{}); err != nil || podReady(got) || appStatus(got, "app").Ready {
		t.Fatalf("once a control pod went through the rule: %v, ready %v", err, podReady(got))
	}
	patchApp(t, cs, ns, "web", map[string]any{"readinessProbe": map[string]any{"httpGet": map[string]any{"port": 8080}}})
	waitHealthy(t, cs, ns, "web", p.UID)
}

func testLivenessProbe(t *testing.T, cs kubernetes.Interface) {
	ns := createNamespace(t, cs, "fault-live")
	create(t, cs, ns, probeApp(true), "web")
	p := waitPod(t, cs, ns, "app=web", "restarted twice", func(p *corev1.Pod) bool {
		s := appStatus(p, "app")
		return s != nil && s.RestartCount >= 2 && s.State.Running != nil
	})
	if term := appStatus(p, "app").LastTerminationState.Terminated; term == nil || term.ExitCode != 137 {
		t.Errorf("lastState.terminated = %+v, want exit code 137", term)
	}
	waitEvent(t, cs, p, "Warning", "Unhealthy", "spec.containers{app}", "Liveness probe failed: Get ")
	waitEvent(t, cs, p, "Normal", "Killing", "spec.containers{app}", "Container app failed liveness probe, will be restarted")
	patchApp(t, cs, ns, "web", map[string]any{"livenessProbe": map[string]any{"httpGet": map[string]any{"port": "http"}}})
	waitHealthy(t, cs, ns, "web", p.UID)
	// No restart: a control pod with the broken probe, created now, is
	// killed three times, three probe periods on kwok's clock; the fixed
	// pod, running before it, has not been.
	controlPod(t, cs, ns, probeApp(true), "restarted three times", func(p *corev1.Pod) bool {
		s := appStatus(p, "app")
		return s != nil && s.RestartCount >= 3
	})
	stillHealthy(t, cs, ns, "web", p.UID)
}

// testJobFailure: a Job whose container exits non-zero fails its pods
// (phase Failed, the exit code) until the real job controller gives up.
func testJobFailure(t *testing.T, cs kubernetes.Interface) {
	ns := createNamespace(t, cs, "fault-job")
	job := func(name, port string) *batchv1.Job {
		zero := int32(0)
		return &batchv1.Job{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: batchv1.JobSpec{BackoffLimit: &zero, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "app", Image: "registry.example/report:1", Env: []corev1.EnvVar{{Name: "PORT", Value: port}}}},
			}}},
		}
	}
	if _, err := cs.BatchV1().Jobs(ns).Create(t.Context(), job("report", "eighty"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := waitPod(t, cs, ns, "batch.kubernetes.io/job-name=report", "Failed", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodFailed })
	if term := appStatus(p, "app").State.Terminated; term == nil || term.ExitCode != 2 || term.Reason != "Error" {
		t.Errorf("state.terminated = %+v, want exit code 2, reason Error", term)
	}
	jobCondition(t, cs, ns, "report", batchv1.JobFailed, "BackoffLimitExceeded")
	// The same Job with a fixed spec completes.
	if _, err := cs.BatchV1().Jobs(ns).Create(t.Context(), job("report-fixed", "8080"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	jobCondition(t, cs, ns, "report-fixed", batchv1.JobComplete, "")
}

func jobCondition(t *testing.T, cs kubernetes.Interface, ns, name string, typ batchv1.JobConditionType, reason string) {
	t.Helper()
	poll.Until(t, 30*time.Second, fmt.Sprintf("job %s %s %s", name, typ, reason), func() (bool, error) {
		j, err := cs.BatchV1().Jobs(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(j.Status.Conditions, func(c batchv1.JobCondition) bool {
			return c.Type == typ && c.Status == corev1.ConditionTrue && (reason == "" || c.Reason == reason)
		}), nil
	})
}
