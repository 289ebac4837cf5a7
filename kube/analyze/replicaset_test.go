package analyze

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

const quotaRefusal = `Error creating: pods "web-5d4f-x2" is forbidden: exceeded quota: pod-limit, requested: pods=1, used: pods=1, limited: pods=1`

func testReplicaSet(want, have int32, conds ...appsv1.ReplicaSetCondition) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-5d4f", Namespace: "shop", OwnerReferences: []metav1.OwnerReference{
			{Kind: "Deployment", Name: "web", Controller: new(true)},
		}},
		Spec:   appsv1.ReplicaSetSpec{Replicas: new(want)},
		Status: appsv1.ReplicaSetStatus{Replicas: have, Conditions: conds},
	}
}

func failedCreate(msg string, count int32, ago time.Duration) corev1.Event {
	return corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: "shop"},
		InvolvedObject: corev1.ObjectReference{Kind: "ReplicaSet", Name: "web-5d4f"},
		Reason:         "FailedCreate", Type: corev1.EventTypeWarning, Message: msg, Count: count,
		LastTimestamp: metav1.NewTime(time.Now().Add(-ago)),
	}
}

func TestCheckReplicaSet(t *testing.T) {
	failure := appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: quotaRefusal}
	limit := `Error creating: pods "web-5d4f-zz" is forbidden: maximum cpu usage per Container is 500m, but limit is 1`
	tests := []struct {
		name     string
		rs       *appsv1.ReplicaSet
		events   []corev1.Event
		want     bool
		severity kube.Severity
		docs     string
	}{
		{"quota: condition and events, some pods run", testReplicaSet(3, 1, failure), []corev1.Event{failedCreate(quotaRefusal, 4, time.Second)}, true, kube.Warning, "resource-quotas"},
		{"events only while short", testReplicaSet(3, 1), []corev1.Event{failedCreate(quotaRefusal, 1, time.Second)}, true, kube.Warning, "resource-quotas"},
		{"limit range refuses every pod: critical", testReplicaSet(2, 0), []corev1.Event{failedCreate(limit, 7, time.Second)}, true, kube.Critical, "limit-range"},
		{"old events once the replicas exist", testReplicaSet(3, 3), []corev1.Event{failedCreate(quotaRefusal, 4, time.Hour)}, false, 0, ""},
		{"short without refusal (pods starting)", testReplicaSet(3, 1), nil, false, 0, ""},
		{"scaled to zero", testReplicaSet(0, 0, failure), []corev1.Event{failedCreate(quotaRefusal, 1, time.Second)}, false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := checkReplicaSet(tt.rs, tt.events)
			if ok != tt.want {
				t.Fatalf("finding %v (%+v), want %v", ok, f, tt.want)
			}
			if !ok {
				return
			}
			if f.Reason != "ReplicaSetFailedCreate" || f.Severity != tt.severity || f.Object.Kind != "ReplicaSet" {
				t.Errorf("finding %s %s on %v", f.Severity, f.Reason, f.Object)
			}
			if f.Owner == nil || *f.Owner != (kube.ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "web"}) {
				t.Errorf("owner %v, want deployment web", f.Owner)
			}
			unredacted(t, f)
			if !strings.Contains(f.Docs, tt.docs) || f.Fix == "" {
				t.Errorf("docs %q fix %q, want the %s docs", f.Docs, f.Fix, tt.docs)
			}
			if strings.Contains(f.Message, "Error creating:") || !strings.Contains(f.Message, "is forbidden") {
				t.Errorf("message %q should carry the refusal without the controller's prefix", f.Message)
			}
			if !strings.Contains(strings.Join(f.Evidence, "\n"), "event FailedCreate (×") {
				t.Errorf("evidence %q lacks the event", f.Evidence)
			}
		})
	}
}

func TestCheckReplicaSetEvidenceIsNewestFirstAndDeduplicated(t *testing.T) {
	older := `Error creating: pods "web-5d4f-a" is forbidden: status unknown for quota: pod-limit, resources: pods`
	evs := eventsByObject([]corev1.Event{failedCreate(older, 1, time.Minute), failedCreate(quotaRefusal, 3, time.Second), failedCreate(quotaRefusal, 3, time.Second)}, "ReplicaSet")
	f, ok := checkReplicaSet(testReplicaSet(3, 1), evs["shop/web-5d4f"])
	if !ok {
		t.Fatal("no finding")
	}
	want := []string{
		"event FailedCreate (×3): " + quotaRefusal,
		"event FailedCreate (×1): " + older,
		"replicas: 3 desired, 1 created",
	}
	if strings.Join(f.Evidence, "\n") != strings.Join(want, "\n") {
		t.Errorf("evidence:\n%s\nwant:\n%s", strings.Join(f.Evidence, "\n"), strings.Join(want, "\n"))
	}
}
