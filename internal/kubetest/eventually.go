package kubetest

import (
	"testing"
	"time"
)

// pollInterval is how often Eventually checks its condition.
const pollInterval = 100 * time.Millisecond

// apiTimeout bounds the API calls made from t.Cleanup, when t.Context() is done.
const apiTimeout = 30 * time.Second

// Eventually calls cond every 100 ms until it returns true, and fails the
// test if that has not happened within timeout. An error from cond counts as
// "not yet"; the last one is reported on failure together with what the
// test was waiting for. Call it from the test's goroutine.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		if time.Now().After(deadline) {
			if lastErr != nil {
				t.Fatalf("timed out after %s waiting for %s; last error: %v", timeout, what, lastErr)
			}
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(pollInterval)
	}
}
