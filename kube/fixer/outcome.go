package fixer

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/kube"
)

// Outcome is what became of an apply whose answer was lost (a timeout,
// a dropped connection, a crash between sending it and recording it).
type Outcome int

// Outcomes.
const (
	// OutcomeNotApplied: the object is as it was previewed (every write
	// moves an object's resourceVersion), or a missing object to create is
	// still missing; nothing was changed.
	OutcomeNotApplied Outcome = iota + 1
	// OutcomeApplied: the object holds the change (applying the same patch
	// again would change nothing), the pod to delete is gone or going, the
	// object to create exists and kubertnetes wrote it.
	OutcomeApplied
	// OutcomeUnknown: it cannot be told without guessing: the object
	// changed since in other ways, was replaced or removed.
	OutcomeUnknown
)

func (o Outcome) String() string {
	switch o {
	case OutcomeNotApplied:
		return "not applied"
	case OutcomeApplied:
		return "applied"
	case OutcomeUnknown:
		return "unknown"
	}
	return "invalid"
}

// Outcome settles an apply of p whose answer was lost by comparing the
// live object with the preview. It reads with the Fixer's identity and
// writes nothing (a server-side dry run at most). An error means the
// object could not be read; the outcome is then unknown.
func (f *Fixer) Outcome(ctx context.Context, p kube.Preview) (Outcome, error) {
	t := p.Fix.Target
	live, err := resource(f.dyn, p).Get(ctx, t.Name, metav1.GetOptions{})
	missing := apierrors.IsNotFound(err)
	if err != nil && !missing {
		return OutcomeUnknown, fmt.Errorf("read %s: %w", t, err)
	}
	switch p.Fix.Operation {
	case kube.OpCreate:
		switch {
		case missing:
			return OutcomeNotApplied, nil
		case managedBy(live, FieldManager):
			return OutcomeApplied, nil
		}
		return OutcomeUnknown, nil
	case kube.OpDeletePod:
		switch {
		case missing, live.GetUID() != p.UID, live.GetDeletionTimestamp() != nil:
			return OutcomeApplied, nil
		case live.GetResourceVersion() == p.ResourceVersion:
			return OutcomeNotApplied, nil
		}
		return OutcomeUnknown, nil
	}
	switch {
	case missing, live.GetUID() != p.UID:
		return OutcomeUnknown, nil
	case live.GetResourceVersion() == p.ResourceVersion:
		return OutcomeNotApplied, nil
	}
	return f.holds(ctx, p, live)
}

// holds reports whether live already holds p's change: the same patch,
// without its resourceVersion precondition, dry-run against it changes
// nothing. When it would change the spec (the dry run moves the
// generation) and the spec has not changed since the preview (the
// generation has not moved), it was not applied. Otherwise it was never
// applied, or was undone since: unknown.
func (f *Fixer) holds(ctx context.Context, p kube.Preview, live *unstructured.Unstructured) (Outcome, error) {
	patch, err := withoutPrecondition(p.PatchType, p.Patch)
	if err != nil {
		return OutcomeUnknown, err
	}
	res := resource(f.dyn, p)
	// A controller writing between the read and the dry run (a
	// Deployment's revision annotation) would make them differ: compare
	// only a dry run of the object as read.
	for attempt := 0; ; attempt++ {
		again, err := res.Patch(ctx, p.Fix.Target.Name, p.PatchType, patch, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: FieldManager})
		if err != nil {
			return OutcomeUnknown, fmt.Errorf("dry-run %s again: %w", p.Fix.Target, err)
		}
		if again.GetResourceVersion() != live.GetResourceVersion() && attempt < 4 {
			if live, err = res.Get(ctx, p.Fix.Target.Name, metav1.GetOptions{}); err != nil {
				return OutcomeUnknown, fmt.Errorf("read %s: %w", p.Fix.Target, err)
			}
			continue
		}
		if sameObject(live, again) {
			return OutcomeApplied, nil
		}
		if g := live.GetGeneration(); p.Generation != 0 && g == p.Generation && again.GetGeneration() > g {
			return OutcomeNotApplied, nil
		}
		return OutcomeUnknown, nil
	}
}

// withoutPrecondition drops the resourceVersion a compiled patch carries
// (patchFor adds it: a JSON patch's leading test, a merge patch's
// metadata.resourceVersion).
func withoutPrecondition(pt types.PatchType, patch []byte) ([]byte, error) {
	if pt == types.JSONPatchType {
		var ops []json.RawMessage
		if err := json.Unmarshal(patch, &ops); err != nil || len(ops) == 0 {
			return nil, fmt.Errorf("the approved JSON patch is not a list of operations")
		}
		return json.Marshal(ops[1:])
	}
	var doc map[string]any
	if err := json.Unmarshal(patch, &doc); err != nil {
		return nil, fmt.Errorf("the approved patch is not a JSON object: %w", err)
	}
	unstructured.RemoveNestedField(doc, "metadata", "resourceVersion")
	return json.Marshal(doc)
}

// managedBy reports whether manager wrote u.
func managedBy(u *unstructured.Unstructured, manager string) bool {
	for _, m := range u.GetManagedFields() {
		if m.Manager == manager {
			return true
		}
	}
	return false
}
