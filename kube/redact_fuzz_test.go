package kube

import (
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/canary"
)

// FuzzRedactText plants a secret, in one of the forms the redactor knows,
// in fuzzed surrounding text: no part of the secret may survive Text
// (beyond what the surrounding text itself holds).
func FuzzRedactText(f *testing.F) {
	forms := canary.Forms()
	for i := range forms {
		f.Add(i, "2024-05-01T10:00:00Z INFO starting", "ready")
	}
	f.Fuzz(func(t *testing.T, form int, prefix, suffix string) {
		if form < 0 {
			form = -form
		}
		sf := forms[form%len(forms)]
		in := prefix + "\n" + sf.Text + "\n" + suffix
		out := Redactor{HiddenKeys: simulator.KeyPrefixes}.Text(in)
		for _, s := range sf.Secrets {
			if strings.Count(out, s) > strings.Count(prefix, s)+strings.Count(suffix, s) {
				t.Errorf("form %q: %q survives in\n%q\nfrom\n%q", sf.Name, s, out, in)
			}
		}
	})
}
