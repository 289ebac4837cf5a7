package fixer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/kubertnetes/kubertnetes/kube"
)

// ErrConflict means the object changed after its preview: the approval
// covered a different object, so nothing was applied. Previewing the same
// fix again (Fixer.Plan) gives the fresh preview to offer instead.
var ErrConflict = errors.New("the object changed since this fix was previewed; nothing was applied")

// ErrForbidden means the cluster's RBAC refused the identity the change
// was attempted as; nothing was changed.
var ErrForbidden = errors.New("the cluster's RBAC refused it")

// ErrOutcomeUnknown means the write was sent but its answer was lost (a
// timeout, a dropped connection): the change may or may not be in the
// cluster. Fixer.Outcome settles it by reading the object.
var ErrOutcomeUnknown = errors.New("the request was sent but its answer was lost, so whether it was applied is unknown")

// Applied reports a successful apply: what was applied, as whom, and the
// object before and after, for verification, rollback and the audit.
type Applied struct {
	Preview         kube.Preview
	As              Identity
	UID             types.UID
	ResourceVersion string
	At              time.Time
	// Before is the object as it was (nil for create); After as the API
	// server returned it (nil for delete-pod).
	Before, After *unstructured.Unstructured
}

// Apply applies exactly the previewed change, as identity as (the zero
// Identity is the Fixer's own). It refuses a tampered preview and one the
// policy no longer allows (the content rules on a fresh dry run); if the object changed since the preview the
// API server refuses it (ErrConflict), and if as may not make the change,
// RBAC does (ErrForbidden). Either way nothing is changed. A write whose
// answer was lost is ErrOutcomeUnknown. An error's text has passed the
// redactor, with the values the change or the object hold under secret
// names masked: admission webhooks echo them.
func (f *Fixer) Apply(ctx context.Context, p kube.Preview, as Identity) (Applied, error) {
	t := p.Fix.Target
	if hash(p.Patch) != p.PatchHash {
		return Applied{}, fmt.Errorf("apply %s: the patch does not match the approved preview; nothing was applied", t)
	}
	// Only namespaced targets are ever previewed.
	if err := f.policy.Check(p.Fix, p.GroupKind(), true); err != nil {
		return Applied{}, err
	}
	dyn, err := f.client(as)
	if err != nil {
		return Applied{}, fmt.Errorf("apply %s: %w", t, err)
	}
	var a Applied
	switch p.Fix.Operation {
	case kube.OpCreate:
		a, err = f.applyCreate(ctx, p, dyn)
	case kube.OpDeletePod:
		a, err = f.applyDelete(ctx, p, dyn)
	default:
		a, err = f.applyPatch(ctx, p, dyn)
	}
	if err != nil {
		return Applied{}, RedactError(f.redact, applyErr(t, as, err), p, a.Before)
	}
	a.Preview, a.As, a.At = p, as, f.now()
	return a, nil
}

func (f *Fixer) applyPatch(ctx context.Context, p kube.Preview, dyn dynamic.Interface) (Applied, error) {
	name := p.Fix.Target.Name
	// The object as it is now, read with the Fixer's identity: the
	// "before" of verification and rollback. An object already changed
	// is refused here without a write.
	before, err := resource(f.dyn, p).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return Applied{}, err
	}
	if before.GetResourceVersion() != p.ResourceVersion || before.GetUID() != p.UID {
		return Applied{Before: before}, ErrConflict
	}
	// The content policy again, on a fresh dry run of exactly what is
	// about to be written (admission may mutate differently now).
	dry, err := resource(dyn, p).Patch(ctx, name, p.PatchType, p.Patch, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager})
	if err != nil {
		return Applied{}, err
	}
	if err := f.policy.CheckChange(p.Fix.Target, p.GroupKind(), before, dry); err != nil {
		return Applied{}, err
	}
	after, err := resource(dyn, p).Patch(ctx, name, p.PatchType, p.Patch, metav1.PatchOptions{FieldManager: FieldManager})
	if err != nil {
		return Applied{Before: before}, sent(err)
	}
	return Applied{UID: after.GetUID(), ResourceVersion: after.GetResourceVersion(), Before: before, After: after}, nil
}

func (f *Fixer) applyDelete(ctx context.Context, p kube.Preview, dyn dynamic.Interface) (Applied, error) {
	var opts metav1.DeleteOptions
	if err := json.Unmarshal(p.Patch, &opts); err != nil {
		return Applied{}, fmt.Errorf("decode the approved delete options: %w", err)
	}
	if opts.Preconditions == nil || opts.Preconditions.UID == nil || opts.Preconditions.ResourceVersion == nil {
		return Applied{}, fmt.Errorf("the approved delete has no preconditions")
	}
	before, err := resource(f.dyn, p).Get(ctx, p.Fix.Target.Name, metav1.GetOptions{})
	if err != nil {
		return Applied{}, err
	}
	if err := resource(dyn, p).Delete(ctx, p.Fix.Target.Name, opts); err != nil {
		return Applied{Before: before}, sent(err)
	}
	return Applied{UID: *opts.Preconditions.UID, ResourceVersion: *opts.Preconditions.ResourceVersion, Before: before}, nil
}

func (f *Fixer) applyCreate(ctx context.Context, p kube.Preview, dyn dynamic.Interface) (Applied, error) {
	obj := &unstructured.Unstructured{}
	if err := json.Unmarshal(p.Patch, &obj.Object); err != nil {
		return Applied{}, fmt.Errorf("decode the approved object: %w", err)
	}
	create := func(o *unstructured.Unstructured, dryRun []string) (*unstructured.Unstructured, error) {
		u, err := resource(dyn, p).Create(ctx, o, metav1.CreateOptions{DryRun: dryRun, FieldManager: FieldManager})
		if apierrors.IsAlreadyExists(err) {
			return nil, ErrConflict // created by someone else since the preview
		}
		return u, err
	}
	// The content policy again, on a fresh dry run.
	dry, err := create(obj.DeepCopy(), []string{metav1.DryRunAll})
	if err != nil {
		return Applied{}, err
	}
	if err := f.policy.CheckChange(p.Fix.Target, p.GroupKind(), nil, dry); err != nil {
		return Applied{}, err
	}
	after, err := create(obj, nil)
	if err != nil {
		return Applied{}, sent(err)
	}
	return Applied{UID: after.GetUID(), ResourceVersion: after.GetResourceVersion(), After: after}, nil
}

// applyErr words a failed apply for the person who approved it.
func applyErr(t kube.Target, as Identity, err error) error {
	switch {
	case lostAnswer(err):
		return fmt.Errorf("apply %s as %s: %w: %w", t, as, ErrOutcomeUnknown, err)
	case errors.Is(err, ErrConflict), apierrors.IsConflict(err), isFailedTest(err):
		return fmt.Errorf("apply %s: %w", t, ErrConflict)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("apply %s as %s: %w, nothing was applied: %w", t, as, ErrForbidden, err)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("apply %s: it no longer exists, nothing was applied", t)
	default:
		return fmt.Errorf("apply %s: %w", t, err)
	}
}

// isFailedTest recognises a JSON patch whose resourceVersion "test" failed.
func isFailedTest(err error) bool {
	return err != nil && apierrors.IsInvalid(err) && strings.Contains(err.Error(), "test operation")
}

// sentError is the error of a write request itself: unlike a failed read
// before it, the request may have reached the API server.
type sentError struct{ err error }

func (e *sentError) Error() string { return e.err.Error() }
func (e *sentError) Unwrap() error { return e.err }

func sent(err error) error { return &sentError{err: err} }

// lostAnswer reports a write that was sent and got no answer: a timeout,
// a cancelled request, a dropped connection.
func lostAnswer(err error) bool {
	if _, ok := errors.AsType[*sentError](err); !ok {
		return false
	}
	_, netErr := errors.AsType[net.Error](err)
	return netErr || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err)
}
