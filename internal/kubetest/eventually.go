package kubetest

import (
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/internal/poll"
)

// apiTimeout bounds the API calls made from t.Cleanup, when t.Context() is done.
const apiTimeout = 30 * time.Second

// Eventually calls cond every 100 ms until it returns true, and fails the
// test if that has not happened within timeout. An error from cond counts as
// "not yet"; the last one is reported on failure together with what the
// test was waiting for. Call it from the test's goroutine. It is
// poll.Until, the one condition wait of the project's tests.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	poll.Until(t, timeout, what, cond)
}
