package analyze

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestByNamespace(t *testing.T) {
	pod := func(ns, name string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	names := func(m map[string][]corev1.Pod) map[string][]string {
		out := map[string][]string{}
		for ns, ps := range m {
			for _, p := range ps {
				out[ns] = append(out[ns], p.Name)
			}
		}
		return out
	}
	tests := []struct {
		name string
		pods []corev1.Pod
		want map[string][]string
	}{
		{"none", nil, map[string][]string{}},
		{"contiguous", []corev1.Pod{pod("a", "1"), pod("a", "2"), pod("b", "3")}, map[string][]string{"a": {"1", "2"}, "b": {"3"}}},
		{"interleaved", []corev1.Pod{pod("a", "1"), pod("b", "2"), pod("a", "3"), pod("b", "4")}, map[string][]string{"a": {"1", "3"}, "b": {"2", "4"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := byNamespace(tt.pods, namespaceOf[corev1.Pod])
			if d := cmp.Diff(tt.want, names(got)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			for ns, ps := range got { // appending to a group never writes into the list
				_ = append(ps, pod(ns, "appended"))
			}
			for i, p := range tt.pods {
				if p.Name == "appended" {
					t.Errorf("item %d of the list was overwritten by an append to its group", i)
				}
			}
		})
	}
}
