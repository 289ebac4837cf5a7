package kube

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/restmapper"
)

// Resolver maps what a user or model calls a resource ("po", "deploy",
// "deployments.apps", "Deployment", "cj") to its REST mapping, CRDs
// included, refreshing discovery once when a name is unknown (a CRD may be
// new). Hidden API groups resolve to nothing.
type Resolver struct {
	mapper   meta.ResettableRESTMapper
	expander meta.RESTMapper
	hidden   []string
}

// NewResolver builds a Resolver over a cached discovery client. It does not
// contact the cluster until the first name is resolved.
func NewResolver(dc discovery.CachedDiscoveryInterface, hidden Hidden) *Resolver {
	m := restmapper.NewDeferredDiscoveryRESTMapper(dc)
	return &Resolver{mapper: m, expander: restmapper.NewShortcutExpander(m, dc, nil), hidden: hidden.APIGroups}
}

// hides reports whether group is one the resolver hides.
func (r *Resolver) hides(group string) bool { return slices.Contains(r.hidden, group) }

// Mapping resolves one resource name; its GroupVersionKind.Kind is the Kind
// objects and events carry.
func (r *Resolver) Mapping(resource string) (*meta.RESTMapping, error) {
	resource = strings.ToLower(strings.TrimSpace(resource))
	if resource == "" {
		return nil, fmt.Errorf("no resource type given")
	}
	for attempt := 0; attempt < 2; attempt++ {
		m, err := r.try(resource)
		if err == nil {
			if r.hides(m.Resource.Group) {
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

func (r *Resolver) try(resource string) (*meta.RESTMapping, error) {
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
