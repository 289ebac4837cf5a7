package kube

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Redacted replaces every value the Redactor hides.
const Redacted = "[REDACTED]"

// simulationPrefix marks annotations and labels that only exist because the
// cluster is simulated (kwok). Nobody outside the simulation may see them.
const simulationPrefix = "kwok.x-k8s.io/"

// lastApplied holds a full copy of an object's spec, env values included.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

var (
	// valuePatterns match secrets by what they look like, whatever their name.
	valuePatterns = []*regexp.Regexp{
		regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)`),
		regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), // JWT
		regexp.MustCompile(`\b(AKIA|ASIA)[A-Z0-9]{16}\b`),                                   // AWS access key id
		regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`),                               // Slack tokens
		regexp.MustCompile(`\bxapp-[A-Za-z0-9-]{10,}`),
		regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{30,}\b`),         // GitHub tokens
		regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{20,}\b`),              // OpenAI-style keys
		regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`),              // Google API keys
		regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{16,}`), // bearer tokens in logs
	}
	// userinfoURL matches scheme://user:password@host and keeps the user.
	userinfoURL = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+):[^/\s@]+@`)
	// assignment matches NAME=value, NAME: value and "NAME": "value" in free
	// text (logs, describe output); the value is masked when NAME is sensitive.
	assignment = regexp.MustCompile(`(?m)("?)([A-Za-z_][A-Za-z0-9_.-]*)("?)(\s*[:=]\s*)("?)([^\s",]+)`)
)

// sensitiveWords are name parts that mark a value as a credential.
var sensitiveWords = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "pass": true, "secret": true,
	"token": true, "key": true, "apikey": true, "credential": true, "credentials": true,
	"auth": true, "authorization": true, "cert": true, "private": true, "dsn": true,
	"passphrase": true, "sessionid": true, "cookie": true,
}

// SensitiveName reports whether a variable or key name looks like it holds a
// credential: PASSWORD, DB_TOKEN, api-key, aws_secret_access_key, tls.key …
func SensitiveName(name string) bool {
	lower := strings.ToLower(name)
	for _, w := range strings.FieldsFunc(lower, func(r rune) bool {
		return r == '_' || r == '-' || r == '.' || r == '/' || r == ' '
	}) {
		if sensitiveWords[w] {
			return true
		}
	}
	// camelCase and glued names: dbPassword, APIKEY, secretkey.
	for _, w := range []string{"password", "passwd", "secret", "token", "apikey", "credential", "privatekey"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// Redactor removes secrets and simulation markers from everything that may
// leave the process: objects, free text (logs, describe output) and findings.
// The zero value is ready to use.
type Redactor struct{}

// Text masks credential-looking values and drops simulation markers from free
// text.
func (Redactor) Text(s string) string {
	if s == "" {
		return s
	}
	if strings.Contains(s, simulationPrefix) {
		lines := strings.Split(s, "\n")
		kept := lines[:0]
		for _, l := range lines {
			if strings.Contains(l, simulationPrefix) {
				// "Annotations:  kwok.x-k8s.io/x: y" keeps its label, loses the marker.
				if i := strings.Index(l, simulationPrefix); i > 0 && strings.TrimSpace(l[:i]) != "" {
					kept = append(kept, strings.TrimRight(l[:i], " \t")+" <none>")
				}
				continue
			}
			kept = append(kept, l)
		}
		s = strings.Join(kept, "\n")
	}
	for _, p := range valuePatterns {
		s = p.ReplaceAllString(s, Redacted)
	}
	s = userinfoURL.ReplaceAllString(s, "$1:"+Redacted+"@")
	return assignment.ReplaceAllStringFunc(s, func(m string) string {
		parts := assignment.FindStringSubmatch(m)
		if !SensitiveName(parts[2]) || parts[6] == Redacted || strings.HasPrefix(parts[6], "<") {
			return m
		}
		return parts[1] + parts[2] + parts[3] + parts[4] + parts[5] + Redacted
	})
}

// Object redacts an object in place: managedFields and simulation markers
// go, Secret values become their sizes, sensitive env and ConfigMap values
// are masked, and every other string is scanned for credential patterns.
func (r Redactor) Object(u *unstructured.Unstructured) {
	if u == nil {
		return
	}
	unstructured.RemoveNestedField(u.Object, "metadata", "managedFields")
	u.SetAnnotations(r.markers(u.GetAnnotations()))
	u.SetLabels(r.markers(u.GetLabels()))
	switch u.GetKind() {
	case "Secret":
		for _, field := range []string{"data", "stringData"} {
			data, ok := u.Object[field].(map[string]any)
			if !ok {
				continue
			}
			for k, v := range data {
				data[k] = fmt.Sprintf("%s (%d bytes)", Redacted, len(fmt.Sprint(v)))
			}
		}
	case "ConfigMap":
		if data, ok := u.Object["data"].(map[string]any); ok {
			for k, v := range data {
				if SensitiveName(k) {
					data[k] = Redacted
				} else if s, ok := v.(string); ok {
					data[k] = r.Text(s)
				}
			}
		}
		delete(u.Object, "binaryData")
	}
	u.Object = r.walk(u.Object, "").(map[string]any)
}

// markers drops simulation markers and the last-applied copy from a
// label or annotation map.
func (Redactor) markers(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, simulationPrefix):
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

// walk masks env values with sensitive names and scans all strings.
func (r Redactor) walk(v any, parent string) any {
	switch t := v.(type) {
	case map[string]any:
		if parent == "env" {
			if name, ok := t["name"].(string); ok && SensitiveName(name) {
				if _, has := t["value"]; has {
					t["value"] = Redacted
				}
			}
		}
		for k, child := range t {
			if strings.HasPrefix(k, simulationPrefix) {
				// Nested metadata (a pod template's annotations) carries markers too.
				delete(t, k)
				continue
			}
			t[k] = r.walk(child, k)
		}
		return t
	case []any:
		for i, child := range t {
			t[i] = r.walk(child, parent)
		}
		return t
	case string:
		return r.Text(t)
	default:
		return v
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
