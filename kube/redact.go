package kube

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Redacted replaces every value the Redactor hides.
const Redacted = "[REDACTED]"

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
	// authHeader matches an Authorization header's scheme and credentials.
	authHeader = regexp.MustCompile(`(?i)((?:proxy-)?authorization"?[ \t]*[:=][ \t]*"?)(?:basic|bearer|digest|negotiate|token)[ \t]+[A-Za-z0-9._~+/=-]+`)
	// assignment matches NAME=value, NAME: value and "NAME": "value" in free
	// text (logs, describe output); the value is masked when NAME is sensitive.
	// NAME and value are on one line: "Environment:" is a heading, not a name.
	assignment = regexp.MustCompile(`("?)([A-Za-z_][A-Za-z0-9_.-]*)("?)([ \t]*[:=][ \t]*)("?)([^\s",]+)`)
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
	// References to a credential are not one: secretName, PASSWORD_FILE,
	// TLS_KEY_PATH, TokenExpirationSeconds.
	for _, suffix := range []string{"name", "file", "path", "seconds"} {
		if strings.HasSuffix(lower, suffix) {
			return false
		}
	}
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

// Redactor removes secrets and hidden markers from everything that may
// leave the process: objects, free text (logs, describe output) and findings.
// The zero value is ready to use; it hides no annotation or label.
type Redactor struct {
	// HiddenKeys are prefixes of annotation and label keys (Hidden.KeyPrefixes)
	// that are dropped, as if the object did not carry them.
	HiddenKeys []string
}

// hiddenKey returns where the first hidden key starts in s, or -1.
func (r Redactor) hiddenKey(s string) int {
	at := -1
	for _, p := range r.HiddenKeys {
		if i := strings.Index(s, p); p != "" && i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	return at
}

// Text masks credential-looking values and drops hidden markers from free
// text.
func (r Redactor) Text(s string) string {
	if s == "" {
		return s
	}
	if r.hiddenKey(s) >= 0 {
		lines := strings.Split(s, "\n")
		kept := lines[:0]
		label := "" // the label of a dropped "Annotations:  example.com/x: y" line
		for _, l := range lines {
			if i := r.hiddenKey(l); i >= 0 {
				if strings.TrimSpace(l[:i]) != "" {
					label = l[:i]
					if !strings.HasSuffix(label, " ") && !strings.HasSuffix(label, "\t") {
						label += " "
					}
				}
				continue
			}
			if label != "" {
				// The label keeps the block's next entry, or shows it is empty.
				if strings.TrimSpace(l) != "" && strings.HasPrefix(l, strings.Repeat(" ", len(label))) {
					l = label + strings.TrimLeft(l, " ")
				} else {
					kept = append(kept, label+"<none>")
				}
				label = ""
			}
			kept = append(kept, l)
		}
		if label != "" {
			kept = append(kept, label+"<none>")
		}
		s = strings.Join(kept, "\n")
	}
	s = dataBlocks(s)
	for _, p := range valuePatterns {
		s = p.ReplaceAllString(s, Redacted)
	}
	s = userinfoURL.ReplaceAllString(s, "$1:"+Redacted+"@")
	s = authHeader.ReplaceAllString(s, "${1}"+Redacted)
	return maskAssignments(s)
}

// maskAssignments masks the values of sensitive NAME=value assignments. A
// value may itself hold one ("error: password=x"), so it is searched too.
func maskAssignments(s string) string {
	return assignment.ReplaceAllStringFunc(s, func(m string) string {
		parts := assignment.FindStringSubmatch(m)
		if parts[6] == Redacted || strings.HasPrefix(parts[6], "<") {
			return m
		}
		value := Redacted
		if !SensitiveName(parts[2]) {
			if !strings.ContainsAny(parts[6], ":=") {
				return m
			}
			value = maskAssignments(parts[6])
		}
		return parts[1] + parts[2] + parts[3] + parts[4] + parts[5] + value
	})
}

// dataBlocks masks sensitive keys' values in kubectl describe's ConfigMap
// layout, where the value follows on the lines after "KEY:" and "----".
func dataBlocks(s string) string {
	if !strings.Contains(s, ":\n----\n") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i := 0; i+2 < len(lines); i++ {
		key, ok := strings.CutSuffix(lines[i], ":")
		if !ok || lines[i+1] != "----" || !SensitiveName(key) {
			continue
		}
		end := i + 2
		for end < len(lines) && !dataBlockEnd(lines, end) {
			end++
		}
		lines = slices.Replace(lines, i+2, end, Redacted)
		i += 2
	}
	return strings.Join(lines, "\n")
}

// dataBlockEnd reports whether lines[j] is the blank line that ends a
// describe data value: the next line is blank, starts the next "KEY:" and
// "----" entry, or there is none.
func dataBlockEnd(lines []string, j int) bool {
	if lines[j] != "" {
		return false
	}
	return j+1 >= len(lines) || lines[j+1] == "" ||
		(j+2 < len(lines) && strings.HasSuffix(lines[j+1], ":") && lines[j+2] == "----")
}

// Object redacts an object in place: managedFields and hidden markers go,
// Secret values become their sizes, sensitive env and ConfigMap values are
// masked, and every other string is scanned for credential patterns.
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
			if r.hides(k) {
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
