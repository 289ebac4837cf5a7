package slacktest

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"
)

// TestNoGoroutinesOutliveCleanup runs a busy server in a subtest and checks that
// none of its goroutines survive the subtest's cleanup.
func TestNoGoroutinesOutliveCleanup(t *testing.T) {
	t.Run("busy server", func(t *testing.T) {
		s := New(t, AckTimeout(20*time.Millisecond), PingInterval(10*time.Millisecond))
		c := startClient(t, s, time.Second)
		ws := dialRaw(t, s)
		readFrame(t, ws)
		c.next(t, socketmode.EventTypeHello)
		thread := s.Mention("C111", "U222", "hi") // unacked: retries are in flight at cleanup
		s.Post("C111", "U222", "more")
		_, _, _ = c.api.PostMessage("C111")
		s.ReplyInThread("C111", thread, "U222", "x")
		s.Disconnect("warning")
		if !bytes.Contains(stacks(), []byte("slacktest.(*Server).retryLoop")) {
			t.Fatal("the stack check cannot see the server's goroutines")
		}
	})
	// Cleanup has waited for them; a goroutine may still be returning.
	deadline := time.After(waitLong)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		stacks := stacks()
		if !bytes.Contains(stacks, []byte("slacktest.(*Server)")) {
			return
		}
		select {
		case <-poll.C:
		case <-deadline:
			t.Fatalf("server goroutines left after cleanup:\n%s", stacks)
		}
	}
}

func stacks() []byte {
	buf := make([]byte, 1<<20)
	return buf[:runtime.Stack(buf, true)]
}
