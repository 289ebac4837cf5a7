package main

import "testing"

func TestSoftMemoryLimit(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want int64
	}{
		{"analyze gets the soft limit", []string{"analyze", "-A"}, nil, analyzeSoftLimit},
		{"GOMEMLIMIT wins", []string{"analyze", "-A"}, map[string]string{"GOMEMLIMIT": "200MiB"}, 0},
		{"GOMEMLIMIT=off wins", []string{"analyze"}, map[string]string{"GOMEMLIMIT": "off"}, 0},
		{"serve keeps the runtime's default", []string{"serve"}, nil, 0},
		{"no command", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := softMemoryLimit(tt.args, env(tt.env)); got != tt.want {
				t.Errorf("softMemoryLimit(%q) = %d, want %d", tt.args, got, tt.want)
			}
		})
	}
}
