package fixer

import (
	"fmt"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// diff renders a unified diff of the object before and after, as YAML
// without managedFields, status and bookkeeping, redacted. A nil side is
// an object that does not exist (create, delete).
func (f *Fixer) diff(before, after *unstructured.Unstructured, label string) (string, error) {
	var a, b, name string
	var err error
	for _, side := range []struct {
		u   *unstructured.Unstructured
		out *string
	}{{before, &a}, {after, &b}} {
		if side.u == nil {
			continue
		}
		name = strings.ToLower(side.u.GetKind()) + "/" + side.u.GetName()
		if *side.out, err = f.cleanYAML(side.u); err != nil {
			return "", err
		}
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
