package kube

import (
	"context"
	"fmt"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// ReaderOptions tunes a Reader. The zero value is usable.
type ReaderOptions struct {
	// LogBytes caps what one logs call returns (default 16 KiB, the newest lines kept).
	LogBytes int
}

// Reader is read-only access to one cluster. It only ever issues get, list
// and log requests, and everything it returns has been redacted.
type Reader struct {
	cfg      *rest.Config
	http     *http.Client
	core     kubernetes.Interface
	dyn      dynamic.Interface
	disco    discovery.CachedDiscoveryInterface
	resolve  resolver
	redact   Redactor
	logBytes int
	sweep    *sweep // the lists shared by one Analyze call; nil outside one
}

// NewReader builds a Reader over cfg. It does not contact the cluster.
func NewReader(cfg *rest.Config, opts ReaderOptions) (*Reader, error) {
	if cfg == nil {
		return nil, fmt.Errorf("new reader: no cluster configuration")
	}
	cfg = withClientDefaults(cfg, "kubertnetes")
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("new reader: http client: %w", err)
	}
	core, err := kubernetes.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("new reader: clientset: %w", err)
	}
	dyn, err := dynamic.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("new reader: dynamic client: %w", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("new reader: discovery client: %w", err)
	}
	cached := memory.NewMemCacheClient(dc)
	if opts.LogBytes <= 0 {
		opts.LogBytes = 16 << 10
	}
	return &Reader{
		cfg:      cfg,
		http:     httpClient,
		core:     core,
		dyn:      dyn,
		disco:    cached,
		resolve:  newResolver(cached),
		logBytes: opts.LogBytes,
	}, nil
}

// withClientDefaults copies cfg with a user agent and a client-side rate
// limit sized for investigations: client-go's default (5 QPS, burst 10)
// throttled a single question to ~1 s once a few analyzer sweeps had run.
func withClientDefaults(cfg *rest.Config, agent string) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	if cfg.UserAgent == "" {
		cfg.UserAgent = agent
	}
	if cfg.QPS == 0 && cfg.RateLimiter == nil {
		cfg.QPS, cfg.Burst = 50, 100
	}
	return cfg
}

// Host is the API server address, for welcome lines and logs.
func (r *Reader) Host() string { return r.cfg.Host }

// Ping checks that the cluster answers, with a short error a user can act on.
func (r *Reader) Ping(ctx context.Context) error {
	if _, err := r.core.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw(); err != nil {
		return fmt.Errorf("cluster at %s does not answer: %w", r.cfg.Host, err)
	}
	return nil
}

// mapping resolves a resource name, hiding the simulation's API group.
func (r *Reader) mapping(resource string) (*meta.RESTMapping, error) {
	return r.resolve.mapping(resource)
}
