package kube

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"kubectl get pods -n shop", []string{"kubectl", "get", "pods", "-n", "shop"}, ""},
		{`kubectl get pods -l 'app in (a,b)'`, []string{"kubectl", "get", "pods", "-l", "app in (a,b)"}, ""},
		{`kubectl logs "my pod" --tail=5`, []string{"kubectl", "logs", "my pod", "--tail=5"}, ""},
		{`kubectl get pods | grep web`, nil, "shell operator"},
		{`kubectl get pods; rm -rf /`, nil, "shell operator"},
		{`kubectl get $(whoami)`, nil, "shell operator"},
		{`kubectl get 'pods`, nil, "unterminated"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := splitWords(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCommandRefusesEveryMutatingVerb(t *testing.T) {
	r, err := NewReader(plane.Config(), ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"kubectl apply -f x.yaml", "kubectl delete pod web-1 -n shop", "kubectl patch deploy web -p '{}'",
		"kubectl edit deploy web", "kubectl scale deploy web --replicas=3", "kubectl rollout restart deploy/web",
		"kubectl rollout undo deploy/web", "kubectl exec -it web-1 -- sh", "kubectl create ns x", "kubectl set image deploy/web a=b",
		"kubectl label pod x a=b", "kubectl annotate pod x a=b", "kubectl cordon node-1", "kubectl drain node-1",
		"kubectl port-forward svc/x 8080:80", "kubectl cp x:/a /b", "kubectl run x --image=busybox", "kubectl replace -f x",
		"kubectl taint nodes n k=v:NoSchedule", "kubectl expose deploy web --port 80", "kubectl autoscale deploy web --max 3",
	} {
		_, err := r.Command(context.Background(), line)
		if err == nil || !strings.Contains(err.Error(), "refused") || !strings.Contains(err.Error(), "propose_fix") {
			t.Errorf("%q: err = %v, want a refusal pointing to propose_fix", line, err)
		}
	}
}

func TestCommandReadVerbsOnTheRealCluster(t *testing.T) {
	ns := plane.Namespace(t)
	ctx := context.Background()
	if err := demo.Load(ctx, plane.Config(), plane.Cluster(), ns); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(plane.Config(), ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		want []string
	}{
		{"kubectl get deployments -n " + ns, []string{"NAME", "crashloop-app", "faulty-app"}},
		{"kubectl get deploy/crashloop-app -n " + ns + " -o yaml", []string{"kind: Deployment", "LISTEN_PORT"}},
		{"kubectl describe deployment crashloop-app -n " + ns, []string{"Name:", "crashloop-app", "Replicas:"}},
		{"kubectl explain deployment.spec.strategy", []string{"KIND:", "Deployment", "FIELD: strategy"}},
		{"kubectl api-resources", []string{"deployments", "apps/v1", "Deployment"}},
		{"kubectl auth can-i list pods -n " + ns, []string{"yes"}},
		{"kubectl rollout history deployment/crashloop-app -n " + ns, []string{"REVISION"}},
		{"kubectl top pods -n " + ns, []string{"metrics-server is not installed"}},
		{"kubectl events -n " + ns, []string{"LAST SEEN"}},
		{"get configmap faulty-app-config -n " + ns, []string{"BACKEND_URL", "backend-svc"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var out string
			// The rollout creates its ReplicaSet asynchronously.
			kubetest.Eventually(t, 10*time.Second, fmt.Sprintf("%q to print %q", tt.line, tt.want), func() (bool, error) {
				var err error
				if out, err = r.Command(ctx, tt.line); err != nil {
					return false, err
				}
				if !containsAll(out, tt.want) {
					return false, fmt.Errorf("output lacks %q:\n%s", tt.want, out)
				}
				return true, nil
			})
			if strings.Contains(out, "kwok.x-k8s.io") {
				t.Errorf("a simulation marker leaked:\n%s", out)
			}
		})
	}
	if _, err := r.Command(ctx, "kubectl get stages.kwok.x-k8s.io"); err == nil {
		t.Error("the simulation's own API group must not be visible")
	}
	if out, _ := r.Command(ctx, "kubectl api-resources"); strings.Contains(out, "kwok") {
		t.Errorf("api-resources shows the simulation's resources:\n%s", out)
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
