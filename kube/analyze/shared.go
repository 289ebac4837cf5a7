package analyze

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/kubertnetes/kubertnetes/kube"
)

// Shared runs the analyses of many callers over one Source — every
// investigation of a bot asks through one — so that they share sweeps
// instead of each holding a whole cluster's lists:
//
//   - whole-cluster calls made while a whole-cluster sweep runs, or within
//     the TTL after it finished, get that sweep's findings;
//   - a namespace's analysis made meanwhile reads its part of that sweep's
//     lists (the same analyzers over the same objects, so the same
//     findings as a sweep of its own, taken at the same moment);
//   - other identical calls in flight (same namespace) run once.
//
// The zero value is not usable; build one with NewShared. The findings it
// returns are shared between callers: read them, do not modify them.
type Shared struct {
	src     Source
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	calls   singleflight.Group

	mu   sync.Mutex
	gen  uint64
	last *clusterSweep // the latest whole-cluster sweep; nil once it expired
}

// SharedOptions tunes a Shared. The zero value is usable.
type SharedOptions struct {
	// TTL is how long a finished whole-cluster sweep keeps answering
	// (default 5 s). Its lists are held that long, then released.
	TTL time.Duration
	// Timeout bounds one shared sweep, which runs on after a caller
	// gives up (default 2 minutes).
	Timeout time.Duration
	// Now is the clock (default time.Now), for tests.
	Now func() time.Time
}

// NewShared returns a Shared over src.
func NewShared(src Source, opts SharedOptions) *Shared {
	if opts.TTL <= 0 {
		opts.TTL = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Shared{src: src, ttl: opts.TTL, timeout: opts.Timeout, now: opts.Now}
}

// clusterSweep is one whole-cluster sweep: its lists, which namespace
// analyses read their part of, and once done its findings.
type clusterSweep struct {
	gen      uint64
	lists    *sweep
	done     chan struct{} // closed when findings and err are set
	over     bool          // guarded by Shared.mu: findings are in
	finished time.Time     // guarded by Shared.mu: when they came
	findings []kube.Finding
	err      error
}

// Run is analyze.Run(ctx, src, s), sharing the work with concurrent and
// recent callers as Shared describes. A caller whose ctx ends gets its
// error at once; the sweep it waited for goes on for the others.
func (sh *Shared) Run(ctx context.Context, s Scope) ([]kube.Finding, error) {
	if s.Namespace == "" {
		c := sh.clusterSweep(ctx)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
			return s.keep(c.findings), c.err
		}
	}
	key, sw := s.Namespace, newSweep(sh.src)
	if c := sh.recent(); c != nil { // read the namespace's part of its lists
		key, sw.parent = fmt.Sprintf("%s@%d", s.Namespace, c.gen), c.lists
	}
	ch := sh.calls.DoChan(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sh.timeout)
		defer cancel()
		return analyzeAll(ctx, sw, s.Namespace, nil)
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		fs, _ := r.Val.([]kube.Finding)
		return s.keep(fs), r.Err
	}
}

// recent is the whole-cluster sweep in flight or finished within the
// TTL, or nil.
func (sh *Shared) recent() *clusterSweep {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.recentLocked()
}

func (sh *Shared) recentLocked() *clusterSweep {
	c := sh.last
	if c == nil || (c.over && sh.now().Sub(c.finished) >= sh.ttl) {
		return nil
	}
	return c
}

// clusterSweep returns the recent whole-cluster sweep, or starts one.
func (sh *Shared) clusterSweep(ctx context.Context) *clusterSweep {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if c := sh.recentLocked(); c != nil {
		return c
	}
	sh.gen++
	c := &clusterSweep{gen: sh.gen, lists: newSweep(sh.src), done: make(chan struct{})}
	sh.last = c
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sh.timeout)
		defer cancel()
		fs, err := analyzeAll(ctx, c.lists, "", nil)
		sh.mu.Lock()
		c.findings, c.err, c.over, c.finished = fs, err, true, sh.now()
		sh.mu.Unlock()
		close(c.done)
		// Release the lists (the bulk of a sweep's memory) once no later
		// call may read them; a namespace analysis reading them keeps
		// its own reference.
		time.AfterFunc(sh.ttl, func() {
			sh.mu.Lock()
			defer sh.mu.Unlock()
			if sh.last == c {
				sh.last = nil
			}
		})
	}()
	return c
}
