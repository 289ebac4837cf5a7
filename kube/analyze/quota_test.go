package analyze

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

func testQuota(hardUsed ...string) *corev1.ResourceQuota {
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "pod-limit", Namespace: "shop"}}
	q.Status.Hard, q.Status.Used = corev1.ResourceList{}, corev1.ResourceList{}
	for i := 0; i+2 < len(hardUsed); i += 3 {
		n := corev1.ResourceName(hardUsed[i])
		q.Status.Hard[n] = resource.MustParse(hardUsed[i+1])
		q.Status.Used[n] = resource.MustParse(hardUsed[i+2])
	}
	return q
}

func TestCheckQuota(t *testing.T) {
	web := []blockedWorkload{{Workload: kube.ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "web"}, Message: quotaRefusal}}
	tests := []struct {
		name    string
		quota   *corev1.ResourceQuota
		blocked []blockedWorkload
		want    string // the message; "" means no finding
	}{
		{"pods used up, a workload refused", testQuota("pods", "1", "1", "requests.cpu", "2", "500m"), web,
			"ResourceQuota pod-limit is used up for pods (1 of 1) and refuses deployment/web"},
		{"over the limit (quota lowered after the fact)", testQuota("requests.memory", "1Gi", "2Gi"), nil,
			"ResourceQuota pod-limit is used up for requests.memory (2Gi of 1Gi): new objects that need more are refused"},
		{"room left", testQuota("pods", "10", "3", "requests.cpu", "2", "1500m"), nil, ""},
		{"a zero limit is a policy, not exhaustion", testQuota("services.loadbalancers", "0", "0"), nil, ""},
		{"a zero limit that refused something", testQuota("services.loadbalancers", "0", "0"),
			[]blockedWorkload{{Workload: kube.ObjectRef{Kind: "StatefulSet", Namespace: "shop", Name: "db"}, Message: "exceeded quota: pod-limit, ..."}},
			"ResourceQuota pod-limit is used up for services.loadbalancers (0 of 0) and refuses statefulset/db"},
		{"no status yet", &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "pod-limit", Namespace: "shop"}}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := checkQuota(tt.quota, tt.blocked)
			if got := map[bool]string{true: f.Message}[ok]; got != tt.want {
				t.Fatalf("message (-want +got):\n%s", cmp.Diff(tt.want, got))
			}
			if !ok {
				return
			}
			unredacted(t, f)
			if f.Reason != "QuotaExhausted" || f.Severity != kube.Warning || f.Object != (kube.ObjectRef{Kind: "ResourceQuota", Namespace: "shop", Name: "pod-limit"}) {
				t.Errorf("finding %s %s on %v", f.Severity, f.Reason, f.Object)
			}
			for _, b := range tt.blocked {
				if !strings.Contains(strings.Join(f.Evidence, "\n"), "refused "+strings.ToLower(b.Workload.Kind)+"/"+b.Workload.Name+": ") {
					t.Errorf("evidence %q lacks the refusal of %v", f.Evidence, b.Workload)
				}
			}
		})
	}
}

func TestRefusedBy(t *testing.T) {
	tests := []struct {
		msg, quota string
		want       bool
	}{
		{quotaRefusal, "pod-limit", true},
		{quotaRefusal, "pod", false},
		{`pods "x" is forbidden: status unknown for quota: pod-limit, resources: pods`, "pod-limit", true},
		{`pods "x" is forbidden: maximum cpu usage per Container is 500m`, "pod-limit", false},
	}
	for _, tt := range tests {
		if got := refusedBy(tt.msg, tt.quota); got != tt.want {
			t.Errorf("refusedBy(%q, %q) = %v, want %v", tt.msg, tt.quota, got, tt.want)
		}
	}
}
