package kube

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	r := newReader(t)
	pod := plane.WaitPods(t, ns, "app=crashloop-app", 1, kubetest.CrashLooping)[0].Name

	tests := []struct {
		resource, namespace, name string
		// want are lines (regular expressions) the text must contain.
		want []string
	}{
		{"pod", ns, pod, []string{
			`^Name: +` + pod + `$`,
			`^Namespace: +` + ns + `$`,
			`^Node: +kwok-node-\d`,
			`^Controlled By: +ReplicaSet/crashloop-app-`,
			`^ +State: +Waiting$`,
			`^ +Reason: +CrashLoopBackOff$`,
			`^ +Exit Code: +1$`,
			`^ +LISTEN_PORT: +eighty$`,
			`^ +TokenExpirationSeconds: +\d+$`,
			`^Annotations: +<none>$`,
			`^Events:$`,
			`Warning +BackOff .* Back-off restarting failed container`,
		}},
		{"po", ns, pod, []string{`^Name: +` + pod + `$`}},
		{"deployment", ns, "crashloop-app", []string{
			`^Name: +crashloop-app$`,
			`^Namespace: +` + ns + `$`,
			`^Replicas: +1 desired \| 1 updated \| 1 total \| 0 available \| 1 unavailable$`,
			`^ +LISTEN_PORT: +eighty$`,
			`^Events:$`,
			`Normal +ScalingReplicaSet .* Scaled up replica set crashloop-app-`,
		}},
		{"deploy", ns, "faulty-app", []string{`^Name: +faulty-app$`, `^ +web:$`, `^ +checker:$`, `^ +faulty-app-config +ConfigMap +Optional: false$`}},
		{"configmap", ns, "faulty-app-config", []string{`^BACKEND_URL:$`, `^http://backend-svc:8080/healthz$`}},
		{"service", ns, "backend-service", []string{`^Selector: +app=backend$`, `^Events:`}},
		{"node", "ignored-for-nodes", "kwok-node-0", []string{`^Name: +kwok-node-0$`, `^Annotations: +node.alpha.kubernetes.io/ttl: 0$`}},
	}
	for _, tt := range tests {
		t.Run(tt.resource+"/"+tt.name, func(t *testing.T) {
			// Controllers update status and post events asynchronously after
			// the demo loads: describe until every line is there.
			var out string
			kubetest.Eventually(t, 20*time.Second, "every line in describe "+tt.resource+"/"+tt.name, func() (bool, error) {
				var err error
				if out, err = r.Describe(t.Context(), tt.resource, tt.namespace, tt.name); err != nil {
					t.Fatal(err)
				}
				if missing := unmatched(out, tt.want); len(missing) > 0 {
					return false, fmt.Errorf("no line matches %q in:\n%s", missing, out)
				}
				return true, nil
			})
			if strings.Contains(out, "kwok.x-k8s.io") {
				t.Errorf("describe shows simulation markers:\n%s", out)
			}
		})
	}
}

func TestDescribeErrors(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	r := newReader(t)
	nobody, err := NewReader(plane.User(t, "nobody"), ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                 string
		r                    *Reader
		resource, objectName string
		want                 string
	}{
		{"no name", r, "pods", "", "describe needs the name of one pods"},
		{"unknown type", r, "gizmos", "x", `the server doesn't have a resource type "gizmos" (list them with api-resources)`},
		{"missing", r, "deploy", "ghost", fmt.Sprintf(`not found: deployments "ghost" in namespace %q does not exist`, ns)},
		{"forbidden", nobody, "pod", "x", fmt.Sprintf(`forbidden: kubertnetes' identity may not read pods "x" in namespace %q (RBAC)`, ns)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.r.Describe(t.Context(), tt.resource, ns, tt.objectName)
			if err == nil {
				t.Fatalf("got no error and\n%s\nwant %q", out, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

// unmatched are the patterns no line of out matches.
func unmatched(out string, patterns []string) []string {
	var missing []string
	for _, w := range patterns {
		if !regexp.MustCompile(`(?m)` + w).MatchString(out) {
			missing = append(missing, w)
		}
	}
	return missing
}
