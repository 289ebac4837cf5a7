package fixer

import (
	"encoding/json"
	"slices"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubertnetes/kubertnetes/kube"
)

// RedactError returns err with its text passed through r, and every value
// r would mask in p's change or in the objects it touches masked too: an
// admission webhook echoes a field's value bare ("value \"hunter2\" for
// DB_PASSWORD is weak"), where no pattern can see it is one. What err
// wraps (ErrConflict, an API status …) is kept for errors.Is and
// errors.As; only its text changes. Nil stays nil.
func RedactError(r kube.Redactor, err error, p kube.Preview, objs ...*unstructured.Unstructured) error {
	if err == nil {
		return nil
	}
	msg := r.Text(err.Error())
	for _, v := range secretValues(r, p, objs) {
		msg = strings.ReplaceAll(msg, v, kube.Redacted)
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactedError is an error whose text was redacted.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// minSecret is the shortest value masked wherever it appears: shorter ones
// ("80", "true") are words, not secrets worth blanking every copy of.
const minSecret = 4

// secretValues are the strings r masks in p's change (the patch as an
// object of p's kind; a JSON patch applied to the first object) and in
// objs, longest first so that a value containing another is masked whole.
func secretValues(r kube.Redactor, p kube.Preview, objs []*unstructured.Unstructured) []string {
	var docs []map[string]any
	for _, o := range objs {
		if o != nil {
			docs = append(docs, o.Object)
		}
	}
	if changed := changedObject(p, objs); changed != nil {
		docs = append(docs, changed)
	}
	if len(p.Fix.Env) > 0 { // set-env's values, as the env list they become
		docs = append(docs, map[string]any{"env": envList(p.Fix.Env)})
	}
	seen := map[string]bool{}
	var out []string
	for _, d := range docs {
		u := (&unstructured.Unstructured{Object: d}).DeepCopy()
		// managedFields name API versions and managers, not values; the
		// redactor drops them whole.
		unstructured.RemoveNestedField(u.Object, "metadata", "managedFields")
		masked := u.DeepCopy()
		if masked.GetKind() == "" {
			masked.SetKind(p.Kind)
		}
		r.Object(masked)
		collectMasked(u.Object, masked.Object, func(s string) {
			if len(s) >= minSecret && !seen[s] && !strings.Contains(s, kube.Redacted) {
				seen[s] = true
				out = append(out, s)
			}
		})
	}
	// Longest first: "hunter2hunter2" before "hunter2".
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// changedObject is p's change as an object: the patch or manifest itself,
// or for a JSON patch the first object with it applied.
func changedObject(p kube.Preview, objs []*unstructured.Unstructured) map[string]any {
	raw := p.Patch
	if len(raw) == 0 {
		raw = p.Fix.Patch
	}
	if p.PatchType == types.JSONPatchType || (p.PatchType == "" && p.Fix.Operation == kube.OpJSONPatch) {
		var base *unstructured.Unstructured
		for _, o := range objs {
			if o != nil {
				base = o
				break
			}
		}
		if base == nil {
			return nil
		}
		doc, err := json.Marshal(base.Object)
		if err != nil {
			return nil
		}
		patch, err := jsonpatch.DecodePatch(raw)
		if err != nil {
			return nil
		}
		// A failed "test" (the resourceVersion) must not stop the values
		// from being found: apply the operations one by one, skipping any
		// that do not apply.
		for _, op := range patch {
			if next, err := (jsonpatch.Patch{op}).Apply(doc); err == nil {
				doc = next
			}
		}
		raw = doc
	}
	if len(raw) == 0 && p.Fix.Manifest != nil {
		raw = p.Fix.Manifest
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m
}

// collectMasked calls found with every string of orig that masked changed
// or dropped.
func collectMasked(orig, masked any, found func(string)) {
	switch o := orig.(type) {
	case map[string]any:
		m, _ := masked.(map[string]any)
		for k, v := range o {
			var mv any
			if m != nil {
				mv = m[k]
			}
			collectMasked(v, mv, found)
		}
	case []any:
		m, _ := masked.([]any)
		for i, v := range o {
			var mv any
			if i < len(m) {
				mv = m[i]
			}
			collectMasked(v, mv, found)
		}
	case string:
		if ms, ok := masked.(string); !ok || ms != o {
			found(o)
		}
	}
}
