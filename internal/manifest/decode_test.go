package manifest_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubertnetes/kubertnetes/internal/manifest"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []map[string]any // the objects, in order
		err  string
	}{
		{
			name: "documents in order, whole numbers as int64",
			src: `# a leading comment
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b}
spec: {replicas: 2, minReadySeconds: 1.5}
`,
			want: []map[string]any{
				{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a"}},
				{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "b"},
					"spec": map[string]any{"replicas": int64(2), "minReadySeconds": 1.5}},
			},
		},
		{
			name: "empty and comment-only documents are skipped",
			src:  "---\n# nothing here\n---\n\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n---\n",
			want: []map[string]any{{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "tools"}}},
		},
		{
			name: "a JSON stream",
			src:  `{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}} {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "t"}}`,
			want: []map[string]any{
				{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s"}},
				{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "t"}},
			},
		},
		{name: "nothing at all", src: "", want: nil},
		{name: "no kind", src: "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nmetadata: {name: x}\n", err: "document 2 has no kind or apiVersion"},
		{name: "no apiVersion", src: "kind: ConfigMap\n", err: "document 1 has no kind or apiVersion"},
		{name: "not YAML", src: "apiVersion: v1\nkind: [\n", err: "document 1"},
		{name: "a list, not an object", src: "- a\n- b\n", err: "document 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := manifest.Decode([]byte(tt.src))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Decode error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []map[string]any
			for _, o := range objs {
				got = append(got, o.Object)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("objects (-want +got):\n%s", d)
			}
		})
	}
}
