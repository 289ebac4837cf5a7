package deploy_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/kubertnetes/kubertnetes/internal/manifest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
)

const (
	namespace      = "kubertnetes"
	serviceAccount = "kubertnetes"
)

// TestKustomizationsListEveryManifest: a manifest added to a directory but
// not to its kustomization.yaml would silently never be applied; the
// Secret template must never be.
func TestKustomizationsListEveryManifest(t *testing.T) {
	for _, dir := range []string{"base", "fixer"} {
		t.Run(dir, func(t *testing.T) {
			var k struct{ Resources []string }
			readYAML(t, filepath.Join(dir, "kustomization.yaml"), &k)
			files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, f := range files {
				switch name := filepath.Base(f); name {
				case "kustomization.yaml", "secret.example.yaml":
				default:
					want = append(want, name)
				}
			}
			got := slices.Sorted(slices.Values(k.Resources))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s/kustomization.yaml resources (-files in %s +listed):\n%s", dir, dir, diff)
			}
		})
	}
}

// TestManifestsPassServerSideDryRun creates every object of deploy/base,
// deploy/fixer, the Secret template and the k3d demo as a server-side dry
// run with strict field validation, and insists on no warnings either
// (deprecated APIs, Pod Security).
func TestManifestsPassServerSideDryRun(t *testing.T) {
	admin := newClient(t, plane.Config())
	dryRun := func(t *testing.T, o *unstructured.Unstructured) {
		t.Helper()
		warnings, err := admin.dryRun(t, o)
		if err != nil {
			t.Errorf("dry-run create %s %s: %v", o.GetKind(), o.GetName(), err)
		}
		for _, w := range warnings {
			t.Errorf("dry-run create %s %s: warning: %s", o.GetKind(), o.GetName(), w)
		}
	}

	t.Run("deploy/base", func(t *testing.T) {
		objs := render(t, "base")
		ns := find(t, objs, "Namespace", namespace)
		// Namespaced objects need their namespace to exist even in a dry
		// run: dry-run the Namespace, then create it for real.
		dryRun(t, ns)
		admin.create(t, ns)
		for _, o := range objs {
			if o != ns {
				dryRun(t, o)
			}
			if o.GetKind() != "Namespace" && o.GetKind() != "ClusterRole" && o.GetKind() != "ClusterRoleBinding" && o.GetNamespace() != namespace {
				t.Errorf("%s %s is in namespace %q, want %q", o.GetKind(), o.GetName(), o.GetNamespace(), namespace)
			}
		}
		dryRun(t, secretTemplate(t))

		// The namespace enforces the restricted Pod Security Standard; a
		// Deployment only warns, a Pod is refused. So dry-run the pod the
		// Deployment would create (its ServiceAccount must exist for that).
		admin.create(t, find(t, objs, "ServiceAccount", serviceAccount))
		dep := find(t, objs, "Deployment", "kubertnetes")
		tmpl, _, err := unstructured.NestedMap(dep.Object, "spec", "template")
		if err != nil {
			t.Fatal(err)
		}
		pod := &unstructured.Unstructured{Object: tmpl}
		pod.SetAPIVersion("v1")
		pod.SetKind("Pod")
		pod.SetName("kubertnetes-pod-security-check")
		pod.SetNamespace(namespace)
		dryRun(t, pod)
	})

	t.Run("deploy/fixer", func(t *testing.T) {
		for _, o := range render(t, "fixer") {
			dryRun(t, o)
		}
	})

	t.Run("k3d-cluster/demo/faulty-deploy.yaml", func(t *testing.T) {
		ns := plane.Namespace(t)
		objs, err := manifest.Decode(demo.Manifests())
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) == 0 {
			t.Fatal("faulty-deploy.yaml has no objects")
		}
		for _, o := range objs {
			o.SetNamespace(ns)
			dryRun(t, o)
		}
	})
}

// TestDeploymentWiring checks what the API server cannot: that the names
// the Deployment, Service and bindings refer to are the objects shipped.
func TestDeploymentWiring(t *testing.T) {
	base := render(t, "base")
	var dep appsv1.Deployment
	fromUnstructured(t, find(t, base, "Deployment", "kubertnetes"), &dep)
	spec := dep.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		t.Fatalf("Deployment has %d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]

	t.Run("identity", func(t *testing.T) {
		find(t, base, "ServiceAccount", spec.ServiceAccountName)
		for _, dir := range []string{"base", "fixer"} {
			for _, o := range render(t, dir) {
				if o.GetKind() != "ClusterRoleBinding" {
					continue
				}
				var b rbacv1.ClusterRoleBinding
				fromUnstructured(t, o, &b)
				want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: spec.ServiceAccountName, Namespace: dep.Namespace}}
				if diff := cmp.Diff(want, b.Subjects); diff != "" {
					t.Errorf("%s: ClusterRoleBinding %s subjects (-want +got):\n%s", dir, b.Name, diff)
				}
			}
		}
	})

	t.Run("configuration", func(t *testing.T) {
		var refs []string
		for _, e := range c.EnvFrom {
			switch {
			case e.ConfigMapRef != nil:
				refs = append(refs, "ConfigMap/"+e.ConfigMapRef.Name)
				var cm corev1.ConfigMap
				fromUnstructured(t, find(t, base, "ConfigMap", e.ConfigMapRef.Name), &cm)
				want := []string{"KUBERTNETES_APPROVERS", "KUBERTNETES_CHANNELS", "KUBERTNETES_LOG_LEVEL", "KUBERTNETES_MODEL"}
				if diff := cmp.Diff(want, slices.Sorted(maps.Keys(cm.Data))); diff != "" {
					t.Errorf("ConfigMap %s keys (-want +got):\n%s", cm.Name, diff)
				}
			case e.SecretRef != nil:
				refs = append(refs, "Secret/"+e.SecretRef.Name)
				s := secretTemplate(t)
				if s.GetName() != e.SecretRef.Name || s.GetNamespace() != dep.Namespace {
					t.Errorf("the Deployment reads Secret %s/%s, secret.example.yaml makes %s/%s", dep.Namespace, e.SecretRef.Name, s.GetNamespace(), s.GetName())
				}
				data, _, _ := unstructured.NestedStringMap(s.Object, "stringData")
				want := []string{"OPENAI_API_KEY", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"}
				if diff := cmp.Diff(want, slices.Sorted(maps.Keys(data))); diff != "" {
					t.Errorf("secret.example.yaml keys (-want +got):\n%s", diff)
				}
			}
		}
		if diff := cmp.Diff([]string{"Secret/kubertnetes-secrets", "ConfigMap/kubertnetes-config"}, refs); diff != "" {
			t.Errorf("envFrom (-want +got):\n%s", diff)
		}
	})

	t.Run("ports", func(t *testing.T) {
		ports := map[string]int32{}
		for _, p := range c.Ports {
			ports[p.Name] = p.ContainerPort
		}
		if ports["http"] != 8080 {
			t.Errorf("container ports %v, want http: 8080", ports)
		}
		for _, p := range []struct {
			name  string
			probe *corev1.Probe
			path  string
		}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
			if p.probe == nil || p.probe.HTTPGet == nil {
				t.Errorf("%s probe: none, want GET %s on 8080", p.name, p.path)
				continue
			}
			g := p.probe.HTTPGet
			if port := resolvePort(g.Port.String(), ports); g.Path != p.path || port != 8080 {
				t.Errorf("%s probe: GET %s on %s (%d), want GET %s on 8080", p.name, g.Path, g.Port.String(), port, p.path)
			}
		}
		var svc corev1.Service
		fromUnstructured(t, find(t, base, "Service", "kubertnetes-metrics"), &svc)
		for k, v := range svc.Spec.Selector {
			if dep.Spec.Template.Labels[k] != v {
				t.Errorf("Service %s selects %s=%s, which the pod does not carry (labels %v)", svc.Name, k, v, dep.Spec.Template.Labels)
			}
		}
		if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8080 || resolvePort(svc.Spec.Ports[0].TargetPort.String(), ports) != 8080 {
			t.Errorf("Service %s ports %+v, want 8080 → the container's 8080", svc.Name, svc.Spec.Ports)
		}
	})

	t.Run("runs as the image's nonroot user with a writable /tmp only", func(t *testing.T) {
		sc := c.SecurityContext
		if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != 65532 || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Fatalf("container securityContext %+v, want runAsUser 65532 and a read-only root filesystem", sc)
		}
		var mounts []string
		for _, m := range c.VolumeMounts {
			mounts = append(mounts, m.MountPath)
		}
		if diff := cmp.Diff([]string{"/tmp"}, mounts); diff != "" {
			t.Errorf("volume mounts (-want +got):\n%s", diff)
		}
		// serve writes its state file; on a read-only root it must be under /tmp.
		state := ""
		for _, e := range c.Env {
			if e.Name == "KUBERTNETES_STATE" {
				state = e.Value
			}
		}
		if !strings.HasPrefix(state, "/tmp/") {
			t.Errorf("KUBERTNETES_STATE = %q, want a file under the writable /tmp", state)
		}
		if c.Image != "ghcr.io/kubertnetes/kubertnetes:latest" || !slices.Equal(c.Args, []string{"serve"}) {
			t.Errorf("image %s args %q, want ghcr.io/kubertnetes/kubertnetes:latest [serve]", c.Image, c.Args)
		}
	})
}

func secretTemplate(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	var m map[string]any
	readYAML(t, filepath.Join("base", "secret.example.yaml"), &m)
	return &unstructured.Unstructured{Object: m}
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func fromUnstructured(t *testing.T, o *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(o.Object, into, true); err != nil {
		t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
	}
}

// resolvePort turns a port name or number into a number, given the
// container's named ports.
func resolvePort(p string, named map[string]int32) int32 {
	if n, ok := named[p]; ok {
		return n
	}
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}
