package manifest

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// Options say how an Applier creates objects.
type Options struct {
	// FieldManager names the creator in the objects' managedFields;
	// empty lets the API server derive it from the user agent.
	FieldManager string
	// DryRun makes every create a server-side dry run (DryRunAll):
	// defaulting, validation and admission run, nothing is stored.
	DryRun bool
	// StrictFields makes unknown or duplicate fields an error
	// (FieldValidationStrict) instead of a warning.
	StrictFields bool
	// IgnoreExisting leaves an object that already exists as it is, where
	// Create would otherwise stop with AlreadyExists.
	IgnoreExisting bool
	// KindWait is how long to wait for the API to serve a kind it does not
	// know yet, such as one whose CustomResourceDefinition comes earlier in
	// the same manifest. Zero asks discovery once more, without waiting.
	KindWait time.Duration
}

// kindPollInterval is how often discovery is asked again while waiting
// for a kind (Options.KindWait).
const kindPollInterval = 100 * time.Millisecond

// Applier creates objects of any kind through the dynamic client.
type Applier struct {
	dyn    dynamic.Interface
	mapper meta.ResettableRESTMapper
	opts   Options
}

// NewApplier returns an Applier over cfg. Warnings the API server sends
// go to cfg.WarningHandler.
func NewApplier(cfg *rest.Config, opts Options) (*Applier, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	return &Applier{
		dyn:    dyn,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)),
		opts:   opts,
	}, nil
}

// Create creates objs in order and returns them as the API server
// returned them (an existing one skipped by IgnoreExisting: as it was
// given). An object of a namespaced kind goes into namespace if it names
// none; naming another one is an error, and so is naming none when
// namespace is empty. An object of a cluster-scoped kind must name no
// namespace. objs are not modified. On an error, the objects created
// before it are returned with it.
func (a *Applier) Create(ctx context.Context, namespace string, objs []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	opts := metav1.CreateOptions{FieldManager: a.opts.FieldManager}
	if a.opts.DryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if a.opts.StrictFields {
		opts.FieldValidation = metav1.FieldValidationStrict
	}
	var created []*unstructured.Unstructured
	for _, o := range objs {
		o = o.DeepCopy()
		res, err := a.resource(ctx, o, namespace)
		if err != nil {
			return created, err
		}
		c, err := res.Create(ctx, o, opts)
		switch {
		case apierrors.IsAlreadyExists(err) && a.opts.IgnoreExisting:
			c = o
		case err != nil:
			return created, fmt.Errorf("create %s: %w", describe(o), err)
		}
		created = append(created, c)
	}
	return created, nil
}

// Delete deletes o, an object as Create returned it. One that is already
// gone is not an error.
func (a *Applier) Delete(ctx context.Context, o *unstructured.Unstructured) error {
	res, err := a.resource(ctx, o, o.GetNamespace())
	if err != nil {
		return err
	}
	if err := res.Delete(ctx, o.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete %s: %w", describe(o), err)
	}
	return nil
}

// resource is the API resource for o; it sets o's namespace to namespace
// when o's kind is namespaced and o names none.
func (a *Applier) resource(ctx context.Context, o *unstructured.Unstructured, namespace string) (dynamic.ResourceInterface, error) {
	m, err := a.mapping(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", describe(o), err)
	}
	res := a.dyn.Resource(m.Resource)
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		if o.GetNamespace() != "" {
			return nil, fmt.Errorf("%s is cluster-scoped but names namespace %q", kindName(o), o.GetNamespace())
		}
		return res, nil
	}
	switch o.GetNamespace() {
	case "":
		if namespace == "" {
			return nil, fmt.Errorf("%s is namespaced but names no namespace, and none was given", describe(o))
		}
		o.SetNamespace(namespace)
	case namespace:
	default:
		if namespace != "" {
			return nil, fmt.Errorf("%s names namespace %q, want %q or none", describe(o), o.GetNamespace(), namespace)
		}
	}
	return res.Namespace(o.GetNamespace()), nil
}

// mapping finds o's resource. A kind the cached discovery does not know
// may be new: discovery is asked again, for up to Options.KindWait.
func (a *Applier) mapping(ctx context.Context, o *unstructured.Unstructured) (*meta.RESTMapping, error) {
	gvk := o.GroupVersionKind()
	m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	deadline := time.Now().Add(a.opts.KindWait)
	for meta.IsNoMatchError(err) {
		a.mapper.Reset()
		if m, err = a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version); !meta.IsNoMatchError(err) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(kindPollInterval):
		}
	}
	return m, err
}

// describe names o for an error: "Deployment web in namespace \"demo\"".
func describe(o *unstructured.Unstructured) string {
	if ns := o.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s in namespace %q", kindName(o), ns)
	}
	return kindName(o)
}

// kindName is "Deployment web", or "Secret token-*" for a generated name.
func kindName(o *unstructured.Unstructured) string {
	if o.GetName() == "" && o.GetGenerateName() != "" {
		return o.GetKind() + " " + o.GetGenerateName() + "*"
	}
	return o.GetKind() + " " + o.GetName()
}
