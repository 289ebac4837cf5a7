package kube

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pmezard/go-difflib/difflib"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// FieldManager is the name kubertnetes writes under.
const FieldManager = "kubertnetes"

// ErrConflict means the object changed after its preview: the approval
// covered a different object, so nothing was applied.
var ErrConflict = errors.New("the object changed since this fix was previewed; nothing was applied — ask for a fresh preview")

// Preview is exactly what an approval covers: the compiled patch, the
// resourceVersion it was dry-run against, its hash and the resulting diff.
// It is plain data so it can be stored and applied after a restart.
type Preview struct {
	Fix             Fix             `json:"fix"`
	Kind            string          `json:"kind"`
	Group           string          `json:"group"`
	Version         string          `json:"version"`
	Resource        string          `json:"resource"`
	ResourceVersion string          `json:"resourceVersion"`
	PatchType       types.PatchType `json:"patchType"`
	Patch           []byte          `json:"patch"`
	PatchHash       string          `json:"patchHash"`
	Diff            string          `json:"diff"`
	CreatedAt       time.Time       `json:"createdAt"`
}

func (p Preview) gvr() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: p.Group, Version: p.Version, Resource: p.Resource}
}

// Applied reports a successful apply.
type Applied struct {
	ResourceVersion string
	At              time.Time
}

// Fixer previews and applies Fixes. It is the only writer in kubertnetes;
// its identity is the one that appears in the cluster's audit log.
type Fixer struct {
	dyn    dynamic.Interface
	kinds  resolver
	policy Policy
	redact Redactor
	now    func() time.Time
}

// NewFixer builds a Fixer writing with cfg's identity.
func NewFixer(cfg *rest.Config, policy Policy) (*Fixer, error) {
	if cfg == nil {
		return nil, fmt.Errorf("new fixer: no cluster configuration")
	}
	cfg = withClientDefaults(cfg, "kubertnetes-fixer")
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("new fixer: dynamic client: %w", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("new fixer: discovery: %w", err)
	}
	return &Fixer{
		dyn:    dyn,
		kinds:  newResolver(memory.NewMemCacheClient(dc)),
		policy: policy,
		now:    time.Now,
	}, nil
}

// Preview validates the fix against policy, compiles it against the live
// object, runs it as a server-side dry run and diffs before and after.
func (f *Fixer) Preview(ctx context.Context, fix Fix) (*Preview, error) {
	if err := fix.Validate(); err != nil {
		return nil, err
	}
	m, err := f.kinds.mapping(fix.Target.Kind)
	if err != nil {
		return nil, fmt.Errorf("fix target kind %q: %w", fix.Target.Kind, err)
	}
	if err := f.policy.Check(fix, m.GroupVersionKind.Kind); err != nil {
		return nil, err
	}
	client := f.dyn.Resource(m.Resource).Namespace(fix.Target.Namespace)
	cur, err := client.Get(ctx, fix.Target.Name, metav1.GetOptions{})
	if err != nil {
		return nil, describeErr(err, m.Resource.Resource, fix.Target.Namespace, fix.Target.Name)
	}
	pt, patch, err := fix.patch(cur, f.now())
	if err != nil {
		return nil, fmt.Errorf("compile fix for %s: %w", fix.Target, err)
	}
	after, err := client.Patch(ctx, fix.Target.Name, pt, patch, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager})
	if err != nil {
		return nil, fmt.Errorf("server-side dry run of the fix for %s was refused: %w", fix.Target, err)
	}
	diff, err := f.diff(cur, after)
	if err != nil {
		return nil, err
	}
	if diff == "" {
		return nil, fmt.Errorf("the fix for %s changes nothing: the object already looks like that", fix.Target)
	}
	sum := sha256.Sum256(patch)
	return &Preview{
		Fix: fix, Kind: m.GroupVersionKind.Kind, Group: m.Resource.Group, Version: m.Resource.Version, Resource: m.Resource.Resource,
		ResourceVersion: cur.GetResourceVersion(), PatchType: pt, Patch: patch,
		PatchHash: hex.EncodeToString(sum[:]), Diff: diff, CreatedAt: f.now(),
	}, nil
}

// Apply applies exactly the previewed patch. It refuses a tampered preview,
// and the embedded resourceVersion makes the API server refuse it if the
// object changed since the preview (ErrConflict).
func (f *Fixer) Apply(ctx context.Context, p Preview) (Applied, error) {
	sum := sha256.Sum256(p.Patch)
	if hex.EncodeToString(sum[:]) != p.PatchHash {
		return Applied{}, fmt.Errorf("apply %s: the patch does not match the approved preview; nothing was applied", p.Fix.Target)
	}
	if err := f.policy.Check(p.Fix, p.Kind); err != nil {
		return Applied{}, err
	}
	out, err := f.dyn.Resource(p.gvr()).Namespace(p.Fix.Target.Namespace).Patch(ctx, p.Fix.Target.Name, p.PatchType, p.Patch, metav1.PatchOptions{FieldManager: FieldManager})
	switch {
	case apierrors.IsConflict(err), isFailedTest(err):
		return Applied{}, fmt.Errorf("apply %s: %w", p.Fix.Target, ErrConflict)
	case apierrors.IsForbidden(err):
		return Applied{}, fmt.Errorf("apply %s: the cluster's RBAC refused it, nothing was applied: %s", p.Fix.Target, apierrors.ReasonForError(err))
	case err != nil:
		return Applied{}, fmt.Errorf("apply %s: %w", p.Fix.Target, err)
	}
	return Applied{ResourceVersion: out.GetResourceVersion(), At: f.now()}, nil
}

// isFailedTest recognises a JSON patch whose resourceVersion "test" failed.
func isFailedTest(err error) bool {
	return err != nil && apierrors.IsInvalid(err) && strings.Contains(err.Error(), "test operation")
}

// diff renders a unified diff of the object before and after, as YAML
// without managedFields, status and bookkeeping, redacted.
func (f *Fixer) diff(before, after *unstructured.Unstructured) (string, error) {
	a, err := f.cleanYAML(before)
	if err != nil {
		return "", err
	}
	b, err := f.cleanYAML(after)
	if err != nil {
		return "", err
	}
	name := strings.ToLower(before.GetKind()) + "/" + before.GetName()
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(a), B: difflib.SplitLines(b),
		FromFile: name + " (live)", ToFile: name + " (after fix, server dry-run)", Context: 3,
	})
}

func (f *Fixer) cleanYAML(u *unstructured.Unstructured) (string, error) {
	c := u.DeepCopy()
	delete(c.Object, "status")
	for _, field := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"} {
		unstructured.RemoveNestedField(c.Object, "metadata", field)
	}
	f.redact.Object(c)
	out, err := yaml.Marshal(c.Object)
	if err != nil {
		return "", fmt.Errorf("render %s: %w", c.GetName(), err)
	}
	return string(out), nil
}
