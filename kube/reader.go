package kube

import (
	"context"
	"fmt"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
)

// ReaderOptions tunes a Reader. The zero value is usable.
type ReaderOptions struct {
	// LogBytes caps what one logs call returns (default 16 KiB, the newest lines kept).
	LogBytes int
	// Hidden is machinery the Reader never shows; by default nothing is hidden.
	Hidden Hidden
}

// Hidden is what a Reader (and a fixer's diff) never shows: the machinery of
// something that is not the user's cluster, such as a simulator running it.
// The zero value hides nothing.
type Hidden struct {
	// APIGroups are not resolved, listed by api-resources or explained:
	// "the server doesn't have a resource type".
	APIGroups []string
	// KeyPrefixes mark annotation and label keys ("example.com/") that are
	// dropped from objects and from text such as describe output.
	KeyPrefixes []string
}

// Reader is read-only access to one cluster. It only ever issues get, list
// and log requests (and self access reviews), and everything it returns as
// text has been redacted; the typed lists for analyzers (list.go) are raw.
type Reader struct {
	cfg      *rest.Config
	http     *http.Client
	core     kubernetes.Interface
	lists    kubernetes.Interface // speaks protobuf, for the typed lists
	meta     metadata.Interface
	dyn      dynamic.Interface
	disco    discovery.CachedDiscoveryInterface
	resolve  *Resolver
	redact   Redactor
	logBytes int
	// eventPage and maxEvents bound an events read: listPageSize a
	// request, MaxEvents kept (tests make them small).
	eventPage, maxEvents int
}

// NewReader builds a Reader over cfg. It does not contact the cluster.
func NewReader(cfg *rest.Config, opts ReaderOptions) (*Reader, error) {
	if cfg == nil {
		return nil, fmt.Errorf("new reader: no cluster configuration")
	}
	cfg = WithClientDefaults(cfg, "kubertnetes")
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
	// A list of thousands of pods decodes several times faster, with a
	// fraction of the garbage, as protobuf than as JSON.
	pcfg := rest.CopyConfig(cfg)
	pcfg.ContentType = runtime.ContentTypeProtobuf
	pcfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	lists, err := kubernetes.NewForConfigAndClient(pcfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("new reader: protobuf clientset: %w", err)
	}
	mc, err := metadata.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("new reader: metadata client: %w", err)
	}
	cached := memory.NewMemCacheClient(dc)
	if opts.LogBytes <= 0 {
		opts.LogBytes = 16 << 10
	}
	return &Reader{
		cfg:      cfg,
		http:     httpClient,
		core:     core,
		lists:    lists,
		meta:     mc,
		dyn:      dyn,
		disco:    cached,
		resolve:  NewResolver(cached, opts.Hidden),
		redact:   Redactor{HiddenKeys: opts.Hidden.KeyPrefixes},
		logBytes: opts.LogBytes,

		eventPage: listPageSize,
		maxEvents: MaxEvents,
	}, nil
}

// WithClientDefaults copies cfg with a user agent, a request timeout
// (ClientTimeout, unless cfg sets one: a kubeconfig's or an in-cluster
// config, which client-go leaves without) and a client-side rate limit sized
// for investigations: client-go's default (5 QPS, burst 10) throttled a
// single question to ~1 s once a few analyzer sweeps had run.
func WithClientDefaults(cfg *rest.Config, agent string) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	if cfg.Timeout <= 0 {
		cfg.Timeout = ClientTimeout
	}
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

// Redactor is the Reader's redactor: what it hides, for text the Reader
// did not produce (findings, errors, a model's tool results).
func (r *Reader) Redactor() Redactor { return r.redact }

// mapping resolves a resource name; hidden API groups are not found.
func (r *Reader) mapping(resource string) (*meta.RESTMapping, error) {
	return r.resolve.Mapping(resource)
}
