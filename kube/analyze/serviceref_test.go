package analyze

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
	"github.com/kubertnetes/kubertnetes/kube"
)

func refDeployment(env []corev1.EnvVar, from ...string) appsv1.Deployment {
	c := corev1.Container{Name: "app", Env: env}
	for _, cm := range from {
		c.EnvFrom = append(c.EnvFrom, corev1.EnvFromSource{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: cm}}})
	}
	return appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}, Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}}}
}

func TestCheckServiceRefs(t *testing.T) {
	svcs := []corev1.Service{{ObjectMeta: metav1.ObjectMeta{Name: "backend-service", Namespace: "shop"}}, {ObjectMeta: metav1.ObjectMeta{Name: "redis", Namespace: "shop"}}}
	cm := corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "web-config", Namespace: "shop"}, Data: map[string]string{"BACKEND_URL": "http://backend-svc:8080/healthz", "CACHE": "redis:6379"}}
	tests := []struct {
		name      string
		dep       appsv1.Deployment
		wantFix   string // the corrected value in the proposal; "" means no finding
		wantOp    kube.Operation
		wantNoFix bool
	}{
		{"configmap near miss", refDeployment(nil, "web-config"), "http://backend-service:8080/healthz", kube.OpMergePatch, false},
		{"env literal near miss", refDeployment([]corev1.EnvVar{{Name: "API", Value: "http://backend-servce.shop.svc.cluster.local:8080"}}), "http://backend-service.shop.svc.cluster.local:8080", kube.OpSetEnv, false},
		{"existing services are fine", refDeployment([]corev1.EnvVar{{Name: "API", Value: "http://backend-service:8080"}, {Name: "C", Value: "redis:6379"}}), "", "", false},
		{"plain words and times are not hosts", refDeployment([]corev1.EnvVar{{Name: "LOG_LEVEL", Value: "debug"}, {Name: "MODE", Value: "production"}, {Name: "AT", Value: "10:30"}, {Name: "T", Value: "30s"}}), "", "", false},
		{"external hosts are not services", refDeployment([]corev1.EnvVar{{Name: "API", Value: "https://api.example.com/v1"}, {Name: "DB", Value: "10.0.0.5:5432"}}), "", "", false},
		{"no near miss: finding without a proposal", refDeployment([]corev1.EnvVar{{Name: "API", Value: "http://payments:80"}}), "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkServiceRefs([]appsv1.Deployment{tt.dep}, svcs, []corev1.ConfigMap{cm})
			switch {
			case tt.wantNoFix:
				if len(got) != 1 || got[0].Proposal != nil || got[0].Reason != "ServiceNotFound" {
					t.Fatalf("got %+v, want one ServiceNotFound finding without a proposal", got)
				}
				return
			case tt.wantFix == "":
				if len(got) != 0 {
					t.Fatalf("got %+v, want no finding", got)
				}
				return
			}
			if len(got) != 1 || got[0].Proposal == nil {
				t.Fatalf("got %+v, want one finding with a proposal", got)
			}
			p := got[0].Proposal
			if p.Operation != tt.wantOp {
				t.Errorf("operation %s, want %s", p.Operation, tt.wantOp)
			}
			var value string
			if p.Operation == kube.OpMergePatch {
				var doc struct{ Data map[string]string }
				_ = json.Unmarshal(p.Patch, &doc)
				value = doc.Data["BACKEND_URL"]
			} else {
				value = p.Env["API"]
			}
			if value != tt.wantFix {
				t.Errorf("proposed value %q, want %q", value, tt.wantFix)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("the proposal is not a valid fix: %v", err)
			}
		})
	}
}

func TestServiceRefOnTheDemo(t *testing.T) {
	ns := plane.Namespace(t)
	ctx := context.Background()
	if err := demo.Load(ctx, plane.Config(), plane.Cluster(), ns); err != nil {
		t.Fatal(err)
	}
	r := newReader(t)
	var f *kube.Finding
	kubetest.Eventually(t, 30*time.Second, "a ServiceNotFound finding for faulty-app", func() (bool, error) {
		fs, err := Run(ctx, r, Scope{Namespace: ns, Names: []string{"faulty-app"}})
		for i := range fs {
			if fs[i].Reason == "ServiceNotFound" {
				f = &fs[i]
			}
		}
		return f != nil, err
	})
	if f.Owner == nil || f.Owner.Name != "faulty-app" || f.Object.Kind != "ConfigMap" || f.Object.Name != "faulty-app-config" {
		t.Errorf("finding on %v owned by %v, want the ConfigMap faulty-app-config of faulty-app", f.Object, f.Owner)
	}
	if !strings.Contains(f.Message, `"backend-svc"`) || !strings.Contains(strings.Join(f.Evidence, "\n"), `near miss: "backend-service" exists`) {
		t.Errorf("finding = %+v", f)
	}
	fx := newFixer(t)
	pv, err := fx.Preview(ctx, *f.Proposal)
	if err != nil {
		t.Fatalf("the proposal does not preview: %v", err)
	}
	if !strings.Contains(pv.Diff, "-  BACKEND_URL: http://backend-svc:8080/healthz") || !strings.Contains(pv.Diff, "+  BACKEND_URL: http://backend-service:8080/healthz") {
		t.Errorf("diff:\n%s", pv.Diff)
	}
}
