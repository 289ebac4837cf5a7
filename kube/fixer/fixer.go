package fixer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubertnetes/kubertnetes/kube"
)

// FieldManager is the name kubertnetes writes under.
const FieldManager = "kubertnetes"

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Fixer previews, applies and verifies Fixes. It is the only writer in
// kubertnetes; its identity (or the approver's it impersonates) is the one
// that appears in the cluster's audit log.
type Fixer struct {
	cfg    *rest.Config
	dyn    dynamic.Interface
	core   kubernetes.Interface
	kinds  *kube.Resolver
	policy Policy
	redact kube.Redactor
	now    func() time.Time
}

// Options configure a Fixer. The zero value is the safe default.
type Options struct {
	// Policy decides which fixes may be previewed and applied.
	Policy Policy
	// Hidden is what previews never show or target, as for the Reader:
	// hidden API groups do not resolve, hidden keys are left out of diffs.
	Hidden kube.Hidden
}

// New builds a Fixer writing with cfg's identity, within opts.Policy.
func New(cfg *rest.Config, opts Options) (*Fixer, error) {
	if cfg == nil {
		return nil, fmt.Errorf("new fixer: no cluster configuration")
	}
	if err := opts.Policy.validate(); err != nil {
		return nil, fmt.Errorf("new fixer: %w", err)
	}
	cfg = kube.WithClientDefaults(cfg, "kubertnetes-fixer")
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("new fixer: dynamic client: %w", err)
	}
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("new fixer: clientset: %w", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("new fixer: discovery: %w", err)
	}
	return &Fixer{
		cfg:    cfg,
		dyn:    dyn,
		core:   core,
		kinds:  kube.NewResolver(memory.NewMemCacheClient(dc), opts.Hidden),
		policy: opts.Policy,
		redact: kube.Redactor{HiddenKeys: opts.Hidden.KeyPrefixes, Fingerprint: fingerprintKey()},
		now:    time.Now,
	}, nil
}

// resource is the client for p's target acting through dyn. Targets are
// always namespaced: the policy refuses cluster-scoped ones.
func resource(dyn dynamic.Interface, p kube.Preview) dynamic.ResourceInterface {
	return dyn.Resource(p.GroupVersionResource()).Namespace(p.Fix.Target.Namespace)
}

// Preview validates the fix, checks the policy, compiles the fix against
// the live object, runs it as a server-side dry run and diffs before and
// after. Nothing is changed. An error's text is redacted as Apply's is:
// the dry run's admission webhooks echo values too.
func (f *Fixer) Preview(ctx context.Context, fix kube.Fix) (*kube.Preview, error) {
	p, err := f.preview(ctx, fix)
	if err != nil {
		return nil, RedactError(f.redact, err, kube.Preview{Fix: fix})
	}
	return p, nil
}

func (f *Fixer) preview(ctx context.Context, fix kube.Fix) (*kube.Preview, error) {
	if err := fix.Validate(); err != nil {
		return nil, err
	}
	m, err := f.kinds.Mapping(fix.Target.Kind)
	if err != nil {
		return nil, fmt.Errorf("fix target kind %q: %w", fix.Target.Kind, err)
	}
	p := &kube.Preview{Fix: fix, Kind: m.GroupVersionKind.Kind, Group: m.Resource.Group, Version: m.Resource.Version, Resource: m.Resource.Resource}
	if err := f.policy.Check(fix, p.GroupKind(), m.Scope.Name() == meta.RESTScopeNameNamespace); err != nil {
		return nil, err
	}
	switch fix.Operation {
	case kube.OpCreate:
		err = f.previewCreate(ctx, p)
	case kube.OpDeletePod:
		err = f.previewDelete(ctx, p)
	default:
		err = f.previewPatch(ctx, p)
	}
	if err != nil {
		return nil, err
	}
	p.PatchHash, p.CreatedAt = hash(p.Patch), f.now()
	return p, nil
}

func (f *Fixer) previewPatch(ctx context.Context, p *kube.Preview) error {
	fix, res := p.Fix, resource(f.dyn, *p)
	var (
		cur, after *unstructured.Unstructured
		pt         types.PatchType
		patch      []byte
		err        error
	)
	// The patch embeds the resourceVersion it was compiled against; a
	// controller writing status between the read and the dry run (common
	// right after a rollout) makes the dry run refuse it. Compile again
	// against the new version, a few times, before giving up.
	for attempt := 0; ; attempt++ {
		if cur, err = res.Get(ctx, fix.Target.Name, metav1.GetOptions{}); err != nil {
			return kube.ReadError(err, p.Resource, fix.Target.Namespace, fix.Target.Name)
		}
		if pt, patch, err = patchFor(fix, cur, f.now()); err != nil {
			return fmt.Errorf("compile fix for %s: %w", fix.Target, err)
		}
		after, err = res.Patch(ctx, fix.Target.Name, pt, patch, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager})
		if err == nil {
			break
		}
		if attempt < 4 {
			if now, gerr := res.Get(ctx, fix.Target.Name, metav1.GetOptions{}); gerr == nil && now.GetResourceVersion() != cur.GetResourceVersion() {
				continue
			}
		}
		return dryRunErr(fix.Target, err)
	}
	if sameObject(cur, after) {
		return fmt.Errorf("the fix for %s changes nothing: the object already looks like that", fix.Target)
	}
	if err := f.policy.CheckChange(fix.Target, p.GroupKind(), cur, after); err != nil {
		return err
	}
	if p.Diff, err = f.diff(cur, after, "after fix, server dry-run", patch); err != nil {
		return err
	}
	if p.Diff == "" {
		return fmt.Errorf("the fix for %s changes only what a preview does not show (hidden markers); it cannot be approved", fix.Target)
	}
	p.UID, p.ResourceVersion, p.Generation, p.PatchType, p.Patch = cur.GetUID(), cur.GetResourceVersion(), cur.GetGeneration(), pt, patch
	return nil
}

// previewDelete dry-runs deleting the pod with preconditions on its uid
// and resourceVersion; the diff is the pod as it would be removed.
func (f *Fixer) previewDelete(ctx context.Context, p *kube.Preview) error {
	fix, res := p.Fix, resource(f.dyn, *p)
	cur, err := res.Get(ctx, fix.Target.Name, metav1.GetOptions{})
	if err != nil {
		return kube.ReadError(err, p.Resource, fix.Target.Namespace, fix.Target.Name)
	}
	uid, rv := cur.GetUID(), cur.GetResourceVersion()
	opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}}
	payload, err := json.Marshal(opts)
	if err != nil {
		return fmt.Errorf("encode delete options: %w", err)
	}
	opts.DryRun = []string{metav1.DryRunAll}
	if err := res.Delete(ctx, fix.Target.Name, opts); err != nil {
		return dryRunErr(fix.Target, err)
	}
	if p.Diff, err = f.diff(cur, nil, "deleted, server dry-run", nil); err != nil {
		return err
	}
	p.UID, p.ResourceVersion, p.Patch = uid, rv, payload
	return nil
}

// previewCreate dry-runs creating the manifest's object, which must not
// exist yet; the diff is the object from nothing.
func (f *Fixer) previewCreate(ctx context.Context, p *kube.Preview) error {
	fix, res := p.Fix, resource(f.dyn, *p)
	obj, err := manifest(*p)
	if err != nil {
		return err
	}
	_, err = res.Get(ctx, fix.Target.Name, metav1.GetOptions{})
	switch {
	case err == nil:
		return fmt.Errorf("%s already exists: create only makes a missing object; propose a patch to change it", fix.Target)
	case !apierrors.IsNotFound(err):
		return kube.ReadError(err, p.Resource, fix.Target.Namespace, fix.Target.Name)
	}
	after, err := res.Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager})
	if err != nil {
		return dryRunErr(fix.Target, err)
	}
	if err := f.policy.CheckChange(fix.Target, p.GroupKind(), nil, after); err != nil {
		return err
	}
	if p.Diff, err = f.diff(nil, after, "created, server dry-run", fix.Manifest); err != nil {
		return err
	}
	if p.Patch, err = json.Marshal(obj.Object); err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	return nil
}

// manifest decodes create's object and checks it is the target.
func manifest(p kube.Preview) (*unstructured.Unstructured, error) {
	fix := p.Fix
	obj := &unstructured.Unstructured{}
	if err := json.Unmarshal(fix.Manifest, &obj.Object); err != nil {
		return nil, fmt.Errorf("fix: manifest must be one JSON object: %w", err)
	}
	gv, err := schema.ParseGroupVersion(obj.GetAPIVersion())
	_, _, mdErr := unstructured.NestedMap(obj.Object, "metadata")
	switch {
	case mdErr != nil:
		return nil, fmt.Errorf("fix: the manifest's metadata must be an object such as {\"name\":%q}", fix.Target.Name)
	case err != nil || obj.GetAPIVersion() == "":
		return nil, fmt.Errorf("fix: manifest needs a valid apiVersion (got %q)", obj.GetAPIVersion())
	case obj.GetKind() != p.Kind || gv.Group != p.Group:
		return nil, fmt.Errorf("fix: the manifest is a %s (%s) but the target is a %s (%s)", obj.GetKind(), obj.GetAPIVersion(), p.Kind, p.Group+"/"+p.Version)
	case obj.GetName() != "" && obj.GetName() != fix.Target.Name:
		return nil, fmt.Errorf("fix: the manifest names %q but the target is %q", obj.GetName(), fix.Target.Name)
	case obj.GetNamespace() != "" && obj.GetNamespace() != fix.Target.Namespace:
		return nil, fmt.Errorf("fix: the manifest's namespace %q is not the target's %q", obj.GetNamespace(), fix.Target.Namespace)
	case obj.GetResourceVersion() != "" || obj.GetUID() != "":
		return nil, fmt.Errorf("fix: a manifest to create must not carry resourceVersion or uid")
	}
	obj.SetName(fix.Target.Name)
	obj.SetNamespace(fix.Target.Namespace)
	return obj, nil
}

func dryRunErr(t kube.Target, err error) error {
	if apierrors.IsForbidden(err) {
		return fmt.Errorf("server-side dry run of the fix for %s: %w: %w", t, ErrForbidden, err)
	}
	return fmt.Errorf("server-side dry run of the fix for %s was refused: %w", t, err)
}
