package kube

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
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
	mapper   meta.ResettableRESTMapper
	redact   Redactor
	logBytes int
}

// NewReader builds a Reader over cfg. It does not contact the cluster.
func NewReader(cfg *rest.Config, opts ReaderOptions) (*Reader, error) {
	if cfg == nil {
		return nil, fmt.Errorf("new reader: no cluster configuration")
	}
	cfg = rest.CopyConfig(cfg)
	if cfg.UserAgent == "" {
		cfg.UserAgent = "kubertnetes"
	}
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
		mapper:   restmapper.NewDeferredDiscoveryRESTMapper(cached),
		logBytes: opts.LogBytes,
	}, nil
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

// mapping resolves what a user or model calls a resource ("po", "deploy",
// "deployments.apps", "Deployment") to its REST mapping, CRDs included.
func (r *Reader) mapping(resource string) (*meta.RESTMapping, error) {
	resource = strings.TrimSpace(resource)
	if resource == "" {
		return nil, fmt.Errorf("no resource type given")
	}
	if strings.HasPrefix(strings.ToLower(resource), "kwok.x-k8s.io") || strings.HasSuffix(strings.ToLower(resource), ".kwok.x-k8s.io") {
		return nil, fmt.Errorf("the server doesn't have a resource type %q", resource)
	}
	expander := restmapper.NewShortcutExpander(r.mapper, r.disco, nil)
	for attempt := 0; attempt < 2; attempt++ {
		gvr, gr := schema.ParseResourceArg(strings.ToLower(resource))
		var (
			full schema.GroupVersionResource
			err  error
		)
		if gvr != nil {
			full, err = expander.ResourceFor(*gvr)
		}
		if gvr == nil || err != nil {
			full, err = expander.ResourceFor(gr.WithVersion(""))
		}
		if err == nil {
			gvk, kerr := expander.KindFor(full)
			if kerr != nil {
				return nil, fmt.Errorf("kind for %s: %w", full, kerr)
			}
			m, merr := expander.RESTMapping(gvk.GroupKind(), gvk.Version)
			if merr != nil {
				return nil, fmt.Errorf("mapping for %s: %w", gvk, merr)
			}
			if m.Resource.Group == "kwok.x-k8s.io" {
				break
			}
			return m, nil
		}
		if !meta.IsNoMatchError(err) || attempt == 1 {
			break
		}
		r.mapper.Reset() // a CRD may have appeared since discovery was cached
	}
	return nil, fmt.Errorf("the server doesn't have a resource type %q (list them with api-resources)", resource)
}
