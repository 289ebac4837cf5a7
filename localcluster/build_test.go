package localcluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBuildModule(t *testing.T) {
	k8sMod := `module k8s.io/kubernetes

go 1.25.0

godebug default=go1.25

require (
	github.com/spf13/cobra v1.10.2
	go.etcd.io/etcd/client/v3 v3.7.0
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0
)

require (
	go.etcd.io/etcd/server/v3 v3.7.0 // indirect
	k8s.io/kms v0.0.0 // indirect
)

require k8s.io/apimachinery v0.0.0

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/apimachinery => ./staging/src/k8s.io/apimachinery
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/kms => ./staging/src/k8s.io/kms
	k8s.io/sample-controller => ./staging/src/k8s.io/sample-controller
)

replace github.com/example/fork => github.com/example/fork v1.2.3
`
	got, err := buildModule([]byte(k8sMod), "v1.37.1")
	if err != nil {
		t.Fatal(err)
	}
	want := `module local/k8sbins

go 1.26.0

require (
	k8s.io/kubernetes v1.37.1
	go.etcd.io/etcd/server/v3 v3.7.0
)

replace (
	k8s.io/api => k8s.io/api v0.37.1
	k8s.io/apimachinery => k8s.io/apimachinery v0.37.1
	k8s.io/client-go => k8s.io/client-go v0.37.1
	k8s.io/kms => k8s.io/kms v0.37.1
)
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("buildModule (-want +got):\n%s", diff)
	}

	if _, err := buildModule([]byte("module k8s.io/kubernetes\n"), "v1.37.1"); err == nil {
		t.Error("buildModule without an etcd requirement: got no error")
	}
}

func TestWriteCRILog(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []string // messages, one per log line
	}{
		{"empty", nil, nil},
		{"lines", []string{"a", "b c"}, []string{"a", "b c"}},
		{"embedded newlines", []string{"x\ny\n", "z"}, []string{"x", "y", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "log")
			if err := writeCRILog(path, tt.lines, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for line := range strings.Lines(string(data)) {
				f := strings.SplitN(strings.TrimSuffix(line, "\n"), " ", 4)
				if len(f) != 4 || f[1] != "stdout" || f[2] != "F" {
					t.Fatalf("not a CRI log line: %q", line)
				}
				if _, err := time.Parse(time.RFC3339Nano, f[0]); err != nil {
					t.Errorf("timestamp: %v", err)
				}
				got = append(got, f[3])
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
}
