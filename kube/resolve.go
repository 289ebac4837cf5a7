package kube

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/restmapper"
)

// resolver maps what a user or model calls a resource ("po", "deploy",
// "deployments.apps", "Deployment") to its REST mapping, CRDs included,
// refreshing discovery once when a name is unknown (a CRD may be new).
type resolver struct {
	mapper   meta.ResettableRESTMapper
	expander meta.RESTMapper
}

func newResolver(dc discovery.CachedDiscoveryInterface) resolver {
	m := restmapper.NewDeferredDiscoveryRESTMapper(dc)
	return resolver{mapper: m, expander: restmapper.NewShortcutExpander(m, dc, nil)}
}

// simulationGroup is kwok's API group: simulation machinery, never shown.
const simulationGroup = "kwok.x-k8s.io"

func (r resolver) mapping(resource string) (*meta.RESTMapping, error) {
	resource = strings.ToLower(strings.TrimSpace(resource))
	if resource == "" {
		return nil, fmt.Errorf("no resource type given")
	}
	for attempt := 0; attempt < 2; attempt++ {
		m, err := r.try(resource)
		if err == nil {
			if m.Resource.Group == simulationGroup {
				break
			}
			return m, nil
		}
		if !meta.IsNoMatchError(err) {
			break
		}
		r.mapper.Reset()
	}
	return nil, fmt.Errorf("the server doesn't have a resource type %q (list them with api-resources)", resource)
}

func (r resolver) try(resource string) (*meta.RESTMapping, error) {
	gvr, gr := schema.ParseResourceArg(resource)
	var (
		full schema.GroupVersionResource
		err  error
	)
	if gvr != nil {
		full, err = r.expander.ResourceFor(*gvr)
	}
	if gvr == nil || err != nil {
		full, err = r.expander.ResourceFor(gr.WithVersion(""))
	}
	if err != nil {
		return nil, err
	}
	gvk, err := r.expander.KindFor(full)
	if err != nil {
		return nil, err
	}
	return r.expander.RESTMapping(gvk.GroupKind(), gvk.Version)
}
