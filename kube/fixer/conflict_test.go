package fixer

import (
	"errors"
	"strings"
	"testing"
)

// A conflict (the object changed after its preview) applies nothing and
// offers a fresh preview of the same fix, which applies.
func TestFixConflictOffersFreshPreview(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	f := newFixer(t, Policy{})
	p, err := f.Preview(t.Context(), setPort(ns, "8080"))
	if err != nil {
		t.Fatal(err)
	}
	touch(t, cs, ns, "crashloop-app")
	if _, err := f.Apply(t.Context(), *p, Identity{}); !errors.Is(err, ErrConflict) {
		t.Fatalf("apply after a change: %v, want ErrConflict", err)
	}
	if got := listenPort(t, cs, ns); got != "eighty" {
		t.Fatalf("a conflicting apply changed LISTEN_PORT to %s", got)
	}
	fresh, err := f.Preview(t.Context(), p.Fix)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ResourceVersion == p.ResourceVersion || fresh.PatchHash == p.PatchHash {
		t.Errorf("the fresh preview is bound to the old object (rv %s, hash %s)", fresh.ResourceVersion, fresh.PatchHash)
	}
	if changed(fresh.Diff) != changed(p.Diff) || fresh.Fix.Rationale != p.Fix.Rationale {
		t.Errorf("the fresh preview is a different change:\n%s\nwas:\n%s", fresh.Diff, p.Diff)
	}
	if _, err := f.Apply(t.Context(), *fresh, Identity{}); err != nil {
		t.Fatal(err)
	}
	if got := listenPort(t, cs, ns); got != "8080" {
		t.Errorf("LISTEN_PORT = %s after the fresh preview was applied", got)
	}
}

// changed is a diff's removed and added lines.
func changed(diff string) string {
	var out []string
	for _, l := range strings.Split(diff, "\n") {
		if (strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+")) && !strings.HasPrefix(l, "---") && !strings.HasPrefix(l, "+++") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
