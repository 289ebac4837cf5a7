package bot

import (
	"context"
	"time"

	"go.uber.org/zap"
)

type jobKind int

const (
	jobQuestion jobKind = iota + 1
	// jobNote appends a fact (a rejection, an apply) to the conversation,
	// in order with the thread's questions.
	jobNote
)

type job struct {
	kind    jobKind
	channel string
	root    string
	ts      string
	user    string
	text    string
}

// thread is one Slack thread's worker: one investigation at a time,
// follow-ups queued behind it.
type thread struct {
	jobs   chan job
	cancel context.CancelFunc // of the running job; guarded by Bot.mu
}

const (
	threadQueue = 16
	threadIdle  = 2 * time.Minute
)

// enqueue hands a job to its thread's worker, starting one if needed.
func (b *Bot) enqueue(ctx context.Context, key string, j job) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.threads[key]
	if t == nil {
		t = &thread{jobs: make(chan job, threadQueue)}
		b.threads[key] = t
		b.workers.Add(1)
		go b.work(ctx, key, t)
	}
	b.pending.Add(1) // until the job has run
	select {
	case t.jobs <- j:
	default:
		b.pending.Add(-1)
		b.log.Warn("thread queue full, dropping question", zap.String("thread", key))
		b.async(func() {
			b.reply(ctx, j.channel, j.root, "I already have several questions queued in this thread; ask again when I have answered them.")
		})
	}
}

// work runs a thread's jobs in order until ctx ends or it is idle.
func (b *Bot) work(ctx context.Context, key string, t *thread) {
	defer b.workers.Done()
	idle := time.NewTimer(threadIdle)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.stopped:
			return
		case j := <-t.jobs:
			jctx, cancel := context.WithCancel(ctx)
			b.mu.Lock()
			t.cancel = cancel
			b.mu.Unlock()
			b.safely("thread "+key, func() { b.run(jctx, key, j) })
			b.pending.Add(-1)
			cancel()
			b.mu.Lock()
			t.cancel = nil
			b.mu.Unlock()
			idle.Reset(threadIdle)
		case <-idle.C:
			b.mu.Lock()
			if len(t.jobs) == 0 {
				delete(b.threads, key)
				b.mu.Unlock()
				return
			}
			b.mu.Unlock()
			idle.Reset(threadIdle)
		}
	}
}

// stop cancels the running investigation of a thread.
func (b *Bot) stop(key string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t := b.threads[key]; t != nil && t.cancel != nil {
		t.cancel()
		return true
	}
	return false
}

func (b *Bot) run(ctx context.Context, key string, j job) {
	switch j.kind {
	case jobQuestion:
		if b.mayAsk(ctx, key, j) {
			b.investigate(ctx, key, j)
		}
	case jobNote:
		b.note(ctx, key, j.text)
	}
}
