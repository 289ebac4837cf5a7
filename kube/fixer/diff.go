package fixer

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// diff renders a unified diff of the object before and after, as YAML
// without managedFields, status and bookkeeping, redacted. A nil side is
// an object that does not exist (create, delete). Masked values carry an
// HMAC mark, so a changed secret shows as a changed line; values the fix
// wrote itself (written: its patch or manifest) are shown as they are.
func (f *Fixer) diff(before, after *unstructured.Unstructured, label string, written []byte) (string, error) {
	red := f.redact
	red.Reveal = writtenBy(written)
	var a, b, name string
	for _, side := range []struct {
		u   *unstructured.Unstructured
		out *string
	}{{before, &a}, {after, &b}} {
		if side.u == nil {
			continue
		}
		name = strings.ToLower(side.u.GetKind()) + "/" + side.u.GetName()
		c := clean(side.u)
		red.Object(c)
		out, err := yaml.Marshal(c.Object)
		if err != nil {
			return "", fmt.Errorf("render %s: %w", c.GetName(), err)
		}
		*side.out = red.Text(string(out))
	}
	from := " (live)"
	if before == nil {
		from = " (does not exist)"
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(a), B: difflib.SplitLines(b),
		FromFile: name + from, ToFile: name + " (" + label + ")", Context: 3,
	})
}

// clean is a copy of u without status and the bookkeeping every write
// changes.
func clean(u *unstructured.Unstructured) *unstructured.Unstructured {
	c := u.DeepCopy()
	delete(c.Object, "status")
	for _, field := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"} {
		unstructured.RemoveNestedField(c.Object, "metadata", field)
	}
	return c
}

// sameObject reports whether before and after are the same object, apart
// from status and bookkeeping: real values compared, not their redacted
// rendering.
func sameObject(before, after *unstructured.Unstructured) bool {
	return equality.Semantic.DeepEqual(clean(before).Object, clean(after).Object)
}

// writtenBy reports, for a value the redactor would mask, whether the fix
// wrote it: it equals a string or number in the patch or manifest.
func writtenBy(written []byte) func(string) bool {
	var doc any
	if len(written) == 0 || json.Unmarshal(written, &doc) != nil {
		return nil
	}
	values := map[string]bool{}
	var collect func(v any)
	collect = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, c := range t {
				collect(c)
			}
		case []any:
			for _, c := range t {
				collect(c)
			}
		case string:
			values[t] = true
		case float64:
			values[strconv.FormatFloat(t, 'f', -1, 64)] = true
		}
	}
	collect(doc)
	return func(v string) bool { return values[v] }
}

// fingerprintKey is a Fixer's key for marking masked values in diffs:
// random, never stored, so a mark cannot be matched against a guess.
func fingerprintKey() []byte {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	return key
}
