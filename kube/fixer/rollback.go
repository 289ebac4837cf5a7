package fixer

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/kubertnetes/kubertnetes/kube"
)

// ErrNoRollback means an applied fix has no automatic inverse; the error
// says why and what a person can do instead.
var ErrNoRollback = errors.New("no automatic rollback")

// Rollback derives the fix that undoes an applied one: a patch, from the
// object after the fix back to before it, restoring exactly the fields of
// spec (and the labels and annotations) that the fix changed. It is
// previewed and approved like any other fix. why says what verification
// saw. A deleted pod, a created object and a rollback have no rollback
// (ErrNoRollback).
func Rollback(a Applied, why string) (kube.Fix, error) {
	p := a.Preview
	switch {
	case p.Fix.Undoes != "":
		return kube.Fix{}, fmt.Errorf("%w: this fix was itself a rollback", ErrNoRollback)
	case p.Fix.Operation == kube.OpDeletePod:
		return kube.Fix{}, fmt.Errorf("%w: a deleted pod cannot be restored; its controller creates a replacement", ErrNoRollback)
	case p.Fix.Operation == kube.OpCreate:
		return kube.Fix{}, fmt.Errorf("%w: kubertnetes does not delete what it created; if %s should not exist, delete it with kubectl", ErrNoRollback, p.Fix.Target)
	case a.Before == nil || a.After == nil:
		return kube.Fix{}, fmt.Errorf("%w: the object before and after the fix is not known", ErrNoRollback)
	}
	after, err := json.Marshal(rollbackFields(a.After))
	if err != nil {
		return kube.Fix{}, fmt.Errorf("encode %s after the fix: %w", p.Fix.Target, err)
	}
	before, err := json.Marshal(rollbackFields(a.Before))
	if err != nil {
		return kube.Fix{}, fmt.Errorf("encode %s before the fix: %w", p.Fix.Target, err)
	}
	op, patch := kube.OpMergePatch, []byte(nil)
	gvk := a.Before.GroupVersionKind()
	if typed, err := scheme.Scheme.New(gvk); err == nil {
		// Built-in kinds: a strategic merge patch, so lists merge by key
		// (containers by name, env by name) instead of being replaced.
		op = kube.OpStrategicMerge
		if patch, err = strategicpatch.CreateTwoWayMergePatch(after, before, typed); err != nil {
			return kube.Fix{}, fmt.Errorf("derive the rollback of %s: %w", p.Fix.Target, err)
		}
	} else {
		var b, af map[string]any
		_ = json.Unmarshal(before, &b)
		_ = json.Unmarshal(after, &af)
		if patch, err = json.Marshal(mergeDiff(af, b)); err != nil {
			return kube.Fix{}, fmt.Errorf("encode the rollback of %s: %w", p.Fix.Target, err)
		}
	}
	if string(patch) == "{}" {
		return kube.Fix{}, fmt.Errorf("%w: the fix changed no field of spec, ConfigMap data, labels or annotations", ErrNoRollback)
	}
	return kube.Fix{
		Target:    kube.Target{Kind: p.Kind, Namespace: p.Fix.Target.Namespace, Name: p.Fix.Target.Name},
		Operation: op,
		Patch:     patch,
		Rationale: fmt.Sprintf("Roll back the %s applied at %s (patch sha256 %s…): %s", p.Fix.Operation, a.At.UTC().Format(time.RFC3339), short(p.PatchHash), why),
		Risk:      "Restores the fields the fix changed to their previous values, with whatever problem they had then; workload pods roll out again.",
		Expected:  "the previous values restored",
		Undoes:    p.PatchHash,
	}, nil
}

// rollbackFields is the part of an object a rollback restores: its spec,
// a ConfigMap's data, and the labels and annotations. A Secret's data is
// never copied into a patch.
func rollbackFields(u *unstructured.Unstructured) map[string]any {
	out := map[string]any{}
	fields := []string{"spec"}
	if u.GetAPIVersion() == "v1" && u.GetKind() == "ConfigMap" {
		fields = append(fields, "data", "binaryData")
	}
	for _, f := range fields {
		if v, ok := u.Object[f]; ok {
			out[f] = v
		}
	}
	md := map[string]any{}
	if l := u.GetLabels(); l != nil {
		md["labels"] = l
	}
	if a := u.GetAnnotations(); a != nil {
		md["annotations"] = a
	}
	if len(md) > 0 {
		out["metadata"] = md
	}
	return out
}

// mergeDiff is the JSON merge patch (RFC 7386) that turns from into to:
// changed values replaced, removed keys set to null, lists replaced whole.
func mergeDiff(from, to map[string]any) map[string]any {
	out := map[string]any{}
	for k, fv := range from {
		tv, ok := to[k]
		if !ok {
			out[k] = nil
			continue
		}
		fm, fok := fv.(map[string]any)
		tm, tok := tv.(map[string]any)
		if fok && tok {
			if d := mergeDiff(fm, tm); len(d) > 0 {
				out[k] = d
			}
			continue
		}
		if !reflect.DeepEqual(fv, tv) {
			out[k] = tv
		}
	}
	for k, tv := range to {
		if _, ok := from[k]; !ok {
			out[k] = tv
		}
	}
	return out
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
