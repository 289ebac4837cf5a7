package kube

import (
	"context"
	"net/http"
	"time"

	"k8s.io/client-go/rest"
)

// ClientTimeout bounds every request a client built by this package (or
// over a config from WithClientDefaults) makes when the caller's config sets
// no timeout of its own: a stalled API server or aggregated API fails the
// request instead of hanging a tool for ever. Requests that take a context
// are also bounded by it.
const ClientTimeout = 30 * time.Second

// boundTo copies cfg so that every request made through it runs under ctx.
// kubectl's describers and history viewers take no context (they use
// context.TODO); their clients are built from this config, so a cancelled
// or expired ctx (the investigation's stop or time limit) ends their
// requests too. cfg's Timeout still bounds each request.
func boundTo(ctx context.Context, cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return ctxTransport{ctx: ctx, next: rt} })
	return cfg
}

// ctxTransport sends each request under ctx instead of the context it
// carries, which for the callers of boundTo is context.TODO.
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t ctxTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err
	}
	return t.next.RoundTrip(req.WithContext(t.ctx))
}
