package poll

import (
	"testing"
	"time"
)

// First and Longest bound the pause between two checks: it starts at
// First and grows by half each time up to Longest, so a quick change is
// seen at once and a slow one (a rollout, a cluster-wide analysis) is not
// checked back to back on a busy machine.
const (
	First   = 50 * time.Millisecond
	Longest = time.Second
)

// Until calls cond until it returns true, pausing between calls as First
// and Longest say, and fails the test if that has not happened within
// timeout. An error from cond counts
// as "not yet"; the last one is reported on failure together with what the
// test was waiting for, so a condition can say how far it got by returning
// one. Call it from the test's goroutine.
func Until(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	pause := First
	var lastErr error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		wait := time.NewTimer(pause)
		pause = min(pause*3/2, Longest)
		select {
		case <-wait.C:
		case <-deadline.C:
			wait.Stop()
			if lastErr != nil {
				t.Fatalf("timed out after %s waiting for %s; last error: %v", timeout, what, lastErr)
			}
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}
