package analyze

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubertnetes/kubertnetes/kube"
)

// claimSource serves pending claims and records which events are listed;
// the analyzer reads nothing else.
type claimSource struct {
	Source
	claims []corev1.PersistentVolumeClaim
	listed []string // the namespace of each events request
}

func (s *claimSource) PersistentVolumeClaims(context.Context, string) ([]corev1.PersistentVolumeClaim, error) {
	return s.claims, nil
}
func (s *claimSource) StorageClasses(context.Context) ([]storagev1.StorageClass, error) {
	return nil, nil
}
func (s *claimSource) Pods(context.Context, string) ([]corev1.Pod, error) { return nil, nil }
func (s *claimSource) EventList(_ context.Context, req kube.EventsRequest) ([]corev1.Event, error) {
	s.listed = append(s.listed, req.Namespace)
	return nil, nil
}

// An all-namespaces analysis reads the claim events of the namespaces that
// have a pending claim, not of the whole cluster.
func TestPVCAnalyzerReadsTheEventsOfThePendingClaimsNamespaces(t *testing.T) {
	pending := func(ns, name string) corev1.PersistentVolumeClaim {
		return corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}
	}
	tests := []struct {
		name   string
		scope  Scope
		claims []corev1.PersistentVolumeClaim
		want   []string
	}{
		{"all namespaces", Scope{}, []corev1.PersistentVolumeClaim{pending("shop", "data"), pending("billing", "db"), pending("shop", "cache")}, []string{"billing", "shop"}},
		{"one namespace", Scope{Namespace: "shop"}, []corev1.PersistentVolumeClaim{pending("shop", "data")}, []string{"shop"}},
		{"nothing pending", Scope{}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &claimSource{claims: tt.claims}
			if _, err := (pvcAnalyzer{}).Analyze(t.Context(), src, tt.scope); err != nil {
				t.Fatal(err)
			}
			slices.Sort(src.listed)
			if diff := cmp.Diff(tt.want, src.listed); diff != "" {
				t.Errorf("events listed in namespaces (-want +got):\n%s", diff)
			}
		})
	}
}
