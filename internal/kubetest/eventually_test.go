package kubetest

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestEventually(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		cond    func(calls int) (bool, error)
		want    string // the failure; "" for none
	}{
		{"true at once", time.Second, func(int) (bool, error) { return true, nil }, ""},
		{"true on the third call, errors before", time.Second, func(n int) (bool, error) {
			return n >= 3, errors.New("not yet")
		}, ""},
		{"never, with the last error", 300 * time.Millisecond, func(n int) (bool, error) {
			return false, fmt.Errorf("%d of 2 pods ready", min(n, 1))
		}, "timed out after 300ms waiting for pods ready; last error: 1 of 2 pods ready"},
		{"never, no error", 200 * time.Millisecond, func(int) (bool, error) { return false, nil }, "timed out after 200ms waiting for pods ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got := failure(t, func(tb testing.TB) {
				Eventually(tb, tt.timeout, "pods ready", func() (bool, error) { calls++; return tt.cond(calls) })
			})
			if got != tt.want {
				t.Errorf("failure %q, want %q", got, tt.want)
			}
		})
	}
}
