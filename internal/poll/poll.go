package poll

import (
	"testing"
	"time"
)

// Interval is how often Until checks its condition.
const Interval = 100 * time.Millisecond

// Until calls cond every Interval until it returns true, and fails the
// test if that has not happened within timeout. An error from cond counts
// as "not yet"; the last one is reported on failure together with what the
// test was waiting for, so a condition can say how far it got by returning
// one. Call it from the test's goroutine.
func Until(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(Interval)
	defer tick.Stop()
	var lastErr error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			if lastErr != nil {
				t.Fatalf("timed out after %s waiting for %s; last error: %v", timeout, what, lastErr)
			}
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}
