package kube

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Redacted replaces every value the Redactor hides.
const Redacted = "[REDACTED]"

// lastApplied holds a full copy of an object's spec, env values included.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// Redactor removes secrets and hidden markers from everything that may
// leave the process: objects, free text (logs, describe output) and findings.
// The zero value is ready to use; it hides no annotation or label, and
// every masked value reads [REDACTED].
type Redactor struct {
	// HiddenKeys are prefixes of annotation and label keys (Hidden.KeyPrefixes)
	// that are dropped, as if the object did not carry them.
	HiddenKeys []string
	// Fingerprint, when set, is an HMAC-SHA256 key: every masked value
	// reads [REDACTED hmac:xxxxxxxx], 8 hex digits of HMAC(key, value), so
	// a diff shows equal values as equal and a changed value as changed,
	// while nobody without the key can test a guess against the mark. Make
	// it random (crypto/rand) and keep it in memory.
	Fingerprint []byte
	// Reveal, when set, is asked about every value about to be masked; a
	// value for which it returns true is shown as is. A fix's diff reveals
	// the values the fix itself wrote: they come from the model, which never
	// saw a secret.
	Reveal func(value string) bool
}

// mask is what every hidden value becomes; all masking goes through it.
func (r Redactor) mask(raw string) string {
	if r.Reveal != nil && r.Reveal(raw) {
		return raw
	}
	if len(r.Fingerprint) == 0 {
		return Redacted
	}
	h := hmac.New(sha256.New, r.Fingerprint)
	h.Write([]byte(raw))
	return "[REDACTED hmac:" + hex.EncodeToString(h.Sum(nil)[:4]) + "]"
}

// maskSized masks a Secret's or binaryData's value and keeps its size.
func (r Redactor) maskSized(raw string) string {
	m := r.mask(raw)
	if m == raw {
		return raw
	}
	return fmt.Sprintf("%s (%d bytes)", m, len(raw))
}

// masked reports whether s already is a mask.
func masked(s string) bool { return strings.HasPrefix(s, "[REDACTED") }

// Object redacts an object in place: managedFields and hidden markers go,
// Secret and ConfigMap binaryData values become their sizes, every scalar
// under a sensitive key (SensitiveName) is masked wherever it is — env,
// ConfigMap data, annotations, labels, CRD fields, nested values — as are
// sensitive command-line flags' values, and every other string goes
// through Text.
func (r Redactor) Object(u *unstructured.Unstructured) {
	if u == nil || u.Object == nil {
		return
	}
	unstructured.RemoveNestedField(u.Object, "metadata", "managedFields")
	u.SetAnnotations(r.markers(u.GetAnnotations()))
	u.SetLabels(r.markers(u.GetLabels()))
	sized := []string{"binaryData"}
	if u.GetKind() == "Secret" {
		sized = []string{"data", "stringData"}
	}
	for _, field := range sized {
		data, ok := u.Object[field].(map[string]any)
		if !ok {
			continue
		}
		for k, v := range data {
			data[k] = r.maskSized(fmt.Sprint(v))
		}
	}
	for k, v := range u.Object {
		if !isSized(k, sized) {
			u.Object[k] = r.walk(v, k, nil)
		}
	}
}

func isSized(field string, sized []string) bool {
	for _, s := range sized {
		if s == field {
			return true
		}
	}
	return false
}

// markers drops hidden markers and the last-applied copy from a label or
// annotation map.
func (r Redactor) markers(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch {
		case r.hides(k):
		case k == lastApplied:
			out[k] = Redacted + " (a full copy of the object; read the object instead)"
		default:
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// hides reports whether key is a hidden annotation or label key.
func (r Redactor) hides(key string) bool {
	for _, p := range r.HiddenKeys {
		if p != "" && strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// walk redacts v, found under key in the map parent (nil in a list).
func (r Redactor) walk(v any, key string, parent map[string]any) any {
	switch t := v.(type) {
	case map[string]any:
		// {name: DB_PASSWORD, value: x}: env, Helm's value lists, config
		// entries.
		for _, nk := range []string{"name", "key"} {
			if n, ok := t[nk].(string); ok && SensitiveName(n) {
				if val, has := t["value"]; has && scalar(val) {
					t["value"] = r.mask(fmt.Sprint(val))
				}
			}
		}
		for k, child := range t {
			if r.hides(k) {
				// Nested metadata (a pod template's annotations) carries markers too.
				delete(t, k)
				continue
			}
			t[k] = r.walk(child, k, t)
		}
		return t
	case []any:
		if key == "args" || key == "command" {
			r.flagValues(t)
		}
		for i, child := range t {
			t[i] = r.walk(child, key, nil)
		}
		return t
	case string:
		if masked(t) {
			return t
		}
		if sensitiveKey(key, parent) {
			return r.mask(t)
		}
		if r.Reveal != nil && r.Reveal(t) {
			return t
		}
		return r.Text(t)
	case bool, int64, float64, int, int32:
		if sensitiveKey(key, parent) {
			return r.mask(fmt.Sprint(t))
		}
	}
	return v
}

func scalar(v any) bool {
	switch v.(type) {
	case string, bool, int64, float64, int, int32:
		return true
	}
	return false
}

// sensitiveKey reports whether a scalar under key holds a credential. A
// bare "key" does unless it is a reference's or a selector's (its map also
// has a name, a path or an operator: secretKeyRef, items, tolerations,
// matchExpressions).
func sensitiveKey(key string, parent map[string]any) bool {
	if key != "key" {
		return SensitiveName(key)
	}
	if parent == nil {
		return true
	}
	for _, ref := range []string{"name", "path", "operator"} {
		if _, ok := parent[ref]; ok {
			return false
		}
	}
	return true
}

// flagValues masks the element after a sensitive flag given on its own
// ("--db-password", "x") in a container's args or command.
func (r Redactor) flagValues(list []any) {
	for i := 0; i+1 < len(list); i++ {
		flag, ok := list[i].(string)
		if !ok || !strings.HasPrefix(flag, "-") || strings.Contains(flag, "=") {
			continue
		}
		next, ok := list[i+1].(string)
		if ok && !strings.HasPrefix(next, "-") && !masked(next) && SensitiveName(strings.TrimLeft(flag, "-")) {
			list[i+1] = r.mask(next)
			i++
		}
	}
}

// Finding redacts the text fields of a finding.
func (r Redactor) Finding(f Finding) Finding {
	f.Message = r.Text(f.Message)
	f.Fix = r.Text(f.Fix)
	ev := make([]string, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		ev = append(ev, r.Text(e))
	}
	f.Evidence = ev
	return f
}
