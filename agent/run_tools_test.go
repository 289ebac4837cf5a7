package agent

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/internal/openaitest"
	"github.com/kubertnetes/kubertnetes/kube"
)

// blockingCluster's get blocks until the test releases it, counting the
// calls running at once.
type blockingCluster struct {
	fakeCluster
	entered chan struct{} // a call started (unbuffered: it waits to be seen)
	release chan struct{} // one per call allowed to finish
	drain   chan struct{} // closed: every call goes through

	mu              sync.Mutex
	running, maxRun int
	started         int
}

func newBlockingCluster() *blockingCluster {
	return &blockingCluster{fakeCluster: fakeCluster{text: "pod web Running"}, entered: make(chan struct{}), release: make(chan struct{}, 100), drain: make(chan struct{})}
}

func (c *blockingCluster) Get(context.Context, kube.GetRequest) (string, error) {
	c.mu.Lock()
	c.running++
	c.started++
	c.maxRun = max(c.maxRun, c.running)
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.running--; c.mu.Unlock() }()
	select {
	case c.entered <- struct{}{}:
	case <-c.drain:
	}
	select {
	case <-c.release:
	case <-c.drain:
	}
	return c.text, nil
}

func (c *blockingCluster) counts() (running, maxRun, started int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running, c.maxRun, c.started
}

// waitEntered waits for n calls to start, or fails the test.
func (c *blockingCluster) waitEntered(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-c.entered:
		case <-time.After(time.Minute):
			t.Fatalf("only %d of %d tool calls started", i, n)
		}
	}
}

// getCalls are n distinct get calls.
func getCalls(n int) []openaitest.ToolCall {
	calls := make([]openaitest.ToolCall, n)
	for i := range calls {
		calls[i] = openaitest.Call("get", fmt.Sprintf(`{"resource":"pods","namespace":"ns-%d"}`, i))
	}
	return calls
}

// A model asking for 50 tool calls at once gets 16 run, 4 at a time, and
// told to ask for fewer for the rest.
func TestToolCallsPerTurnAndAtOnceAreBounded(t *testing.T) {
	c := newBlockingCluster()
	llm := openaitest.New(t)
	llm.Script(openaitest.Calls(getCalls(50)...), openaitest.Text("done"))
	l := newTestLoop(t, llm, c, nil, LoopOptions{ToolConcurrency: 4, TurnToolCalls: 16})
	done := make(chan error, 1)
	go func() { done <- l.Ask(t.Context(), &Conversation{}, "everything", (&recorder{}).emit) }()

	c.waitEntered(t, 4)
	for range 12 { // one finishes, the next starts
		c.release <- struct{}{}
		c.waitEntered(t, 1)
	}
	close(c.drain)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_, maxRun, started := c.counts()
	if maxRun != 4 || started != 16 {
		t.Errorf("tool calls: %d started, at most %d at once; want 16 started, 4 at once", started, maxRun)
	}
	results := llm.Requests()[1].ToolResults()
	if len(results) != 50 {
		t.Fatalf("%d tool results, want one per call (50)", len(results))
	}
	for i, r := range results {
		ran := r.Content == "pod web Running"
		if want := i < 16; ran != want {
			t.Errorf("result %d = %q, want run=%v", i, r.Content, want)
		}
		if i >= 16 && !strings.Contains(r.Content, "at most 16 run in one turn") {
			t.Errorf("result %d = %q, want it to ask for fewer calls at once", i, r.Content)
		}
	}
}

// The bound on tool calls running at once is the Loop's: two threads
// asking at the same time share it.
func TestToolCallsAtOnceAreSharedByInvestigations(t *testing.T) {
	c := newBlockingCluster()
	llm := openaitest.New(t)
	llm.Respond(func(req openaitest.Request) openaitest.Reply {
		if len(req.ToolResults()) > 0 {
			return openaitest.Text("done")
		}
		return openaitest.Calls(getCalls(6)...)
	})
	l := newTestLoop(t, llm, c, nil, LoopOptions{ToolConcurrency: 4})
	done := make(chan error, 2)
	for range 2 {
		go func() { done <- l.Ask(t.Context(), &Conversation{}, "what is wrong?", (&recorder{}).emit) }()
	}
	c.waitEntered(t, 4)
	for range 8 {
		c.release <- struct{}{}
		c.waitEntered(t, 1)
	}
	close(c.drain)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if _, maxRun, started := c.counts(); maxRun != 4 || started != 12 {
		t.Errorf("tool calls: %d started, at most %d at once; want 12 started, 4 at once across both threads", started, maxRun)
	}
}
