package kube

import (
	"regexp"
	"slices"
	"strings"
)

// A pattern finds secrets in free text by what they look like. Group
// (0: the whole match) is masked.
type pattern struct {
	re    *regexp.Regexp
	group int
	// gates are lower-case substrings of which the text must hold one for
	// the pattern to be tried (none: always tried), which keeps Text fast.
	gates []string
	// named patterns mask a value by its name, so they are only tried
	// when the text holds a word a sensitive name is made of.
	named bool
	// keep, when set, decides from the match whether it is a secret after
	// all; sub(i) is its i-th submatch.
	keep func(s string, m []int) bool
}

// sub is the i-th submatch of m in s, or "".
func sub(s string, m []int, i int) string {
	if m[2*i] < 0 {
		return ""
	}
	return s[m[2*i]:m[2*i+1]]
}

// nameStems are lower-case substrings of every name SensitiveName accepts.
var nameStems = []string{"pass", "pwd", "secret", "token", "key", "auth", "cert", "private", "dsn", "sessionid", "cookie", "jwt", "credential"}

// base64Line is a line of a PEM body, or its tail, as raw text or inside
// a JSON string.
const base64Line = `[A-Za-z0-9+/=]+(?:\\r|\r)?(?:\\n|\n)[ \t]*`

var textPatterns = []pattern{
	// PEM private keys: whole, without their END line, or without their
	// BEGIN line (cut off by tail, a byte cap or grep).
	{gates: []string{"private key"}, re: regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)`)},
	{gates: []string{"private key-----"}, re: regexp.MustCompile(`(?:` + base64Line + `)+-----END [A-Z ]*PRIVATE KEY-----`)},
	{gates: []string{"private key"}, re: regexp.MustCompile(`(?i)PRIVATE KEY[^\n]*\n((?:[ \t]*[A-Za-z0-9+/=]{16,}[ \t]*(?:\n|$))+)`), group: 1},
	// A lone line of a DER body (every PEM key starts MII…), its markers
	// cut off.
	{gates: []string{"mii"}, re: regexp.MustCompile(`\bMII[A-Za-z0-9+/]{29,}={0,2}`)},
	{gates: []string{"eyj"}, re: regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)}, // JWT
	{gates: []string{"akia", "asia"}, re: regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`)},                        // AWS access key id
	{gates: []string{"xox", "xapp-"}, re: regexp.MustCompile(`\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{10,}`)},              // Slack tokens
	{gates: []string{"hooks.slack.com"}, re: regexp.MustCompile(`hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]+`)},
	{gates: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, re: regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{30,}\b`)}, // GitHub tokens
	{gates: []string{"k_live_", "k_test_"}, re: regexp.MustCompile(`\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}`)},        // Stripe secret keys
	{gates: []string{"whsec_"}, re: regexp.MustCompile(`\bwhsec_[A-Za-z0-9+/=]{16,}`)},                                  // webhook signing secrets
	{gates: []string{"sk-"}, re: regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{20,}\b`)},                                       // OpenAI-style keys
	{gates: []string{"aiza"}, re: regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`)},                                      // Google API keys
	{gates: []string{"bearer"}, re: regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{16,}`)},                       // bearer tokens in logs
	// scheme://user:password@host, the user kept (or empty: redis://:pw@h);
	// the password runs to the last @ before the host.
	{gates: []string{"://"}, re: regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@"'<>]*:([^/\s"'<>]*)@`), group: 1},
	// An Authorization header's scheme and credentials.
	{gates: []string{"authorization"}, re: regexp.MustCompile(`(?i)(?:proxy-)?authorization"?[ \t]*[:=][ \t]*"?((?:basic|bearer|digest|negotiate|token)[ \t]+[A-Za-z0-9._~+/=-]+)`), group: 1},
	// .netrc: machine HOST [login USER] password PASSWORD.
	// A netrc password on its own line, as grep or a byte cap leaves it.
	{gates: []string{"password"}, named: true, re: regexp.MustCompile(`(?:\b(?:machine\s+\S+|default)(?:\s+(?:login|account|port)\s+\S+)*\s+|(?m:^)[ \t]*(?:(?:login|account)[ \t]+\S+[ \t]+)?)password[ \t]+([^\s=:]\S*)`), group: 1},
	// XML: <password>x</password>, <property name="db.password">x</property>.
	{gates: []string{"</"}, named: true, re: regexp.MustCompile(`<([A-Za-z_][\w.:-]*)([^<>]*)>([^<]*)</([A-Za-z_][\w.:-]*)>`), group: 3, keep: xmlSecret},
	// XML: <add key="DbPassword" value="x"/>.
	{gates: []string{"value"}, named: true, re: regexp.MustCompile(`(?i)\b(?:key|name)\s*=\s*["']([^"']*)["']\s+value\s*=\s*["']([^"']*)["']`), group: 2,
		keep: func(s string, m []int) bool { return SensitiveName(sub(s, m, 1)) }},
	// --db-password x, on one line, one per line (describe's Args) or
	// as a list ("--db-password", "x").
	{gates: []string{"-"}, named: true, re: regexp.MustCompile(`--?([A-Za-z][A-Za-z0-9_.-]*)(?:[ \t]*\n[ \t]*(?:-[ \t]+)?|[ \t]+|["']?[ \t]*,[ \t]*["']?)([^\s"',\-][^\s"',]*)`), group: 2, keep: flagSecret},
}

// flagSecret reports whether a flag and the value after it are a
// sensitive flag's: the flag starts a word and its name is sensitive.
func flagSecret(s string, m []int) bool {
	if i := m[0]; i > 0 && !strings.ContainsRune(" \t\n\"'[,(", rune(s[i-1])) {
		return false
	}
	return SensitiveName(sub(s, m, 1))
}

// xmlSecret reports whether an XML element holds a credential: its tag, or
// its name or key attribute, is sensitive.
func xmlSecret(s string, m []int) bool {
	tag := sub(s, m, 1)
	if tag != sub(s, m, 4) {
		return false
	}
	if SensitiveName(tag[strings.LastIndex(tag, ":")+1:]) {
		return true
	}
	for _, m := range xmlNameAttr.FindAllStringSubmatch(sub(s, m, 2), -1) {
		if SensitiveName(m[1]) {
			return true
		}
	}
	return false
}

var xmlNameAttr = regexp.MustCompile(`(?i)\b(?:name|key)\s*=\s*["']([^"']*)["']`)

// Text masks credential-looking values and drops hidden markers from free
// text.
func (r Redactor) Text(s string) string {
	if s == "" {
		return s
	}
	s = r.dropHidden(s)
	lower := strings.ToLower(s)
	named := containsAny(lower, nameStems)
	if named {
		s = r.dataBlocks(s)
	}
	for _, p := range textPatterns {
		if (len(p.gates) == 0 || containsAny(lower, p.gates)) && (named || !p.named) {
			s = r.maskPattern(s, p)
		}
	}
	if strings.Count(s, ":") >= 4 {
		s = r.pgpass(s)
	}
	if !named {
		return s
	}
	return r.maskAssignments(s)
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// pgpass masks the password of .pgpass entries,
// host:port:database:user:password: to the end of the line when the entry
// is the line, else to the end of its word (an entry quoted in a log
// line or a table cell).
func (r Redactor) pgpass(s string) string {
	var b strings.Builder
	last := 0
	for pos := 0; pos < len(s); {
		n := strings.IndexAny(s[pos:], " \t\r\n")
		if n < 0 {
			n = len(s) - pos
		}
		word, end := s[pos:pos+n], pos+n
		if strings.Count(word, ":") < 4 {
			pos = end + 1
			continue
		}
		if f := strings.SplitN(word, ":", 5); len(f) == 5 && f[4] != "" && !masked(f[4]) && pgpassFields(f) {
			at := end - len(f[4])
			if lineStart(s, pos) {
				end = lineEnd(s, end)
			}
			b.WriteString(s[last:at])
			b.WriteString(r.mask(s[at:end]))
			last = end
		}
		pos = end + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// pgpassFields reports whether host, port, database and user read as a
// .pgpass entry's: none empty, the port a number or *.
func pgpassFields(f []string) bool {
	for _, x := range f[:4] {
		if x == "" {
			return false
		}
	}
	if f[1] == "*" {
		return true
	}
	for _, c := range f[1] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// maskPattern masks p's group in every match of p in s.
func (r Redactor) maskPattern(s string, p pattern) string {
	idx := p.re.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range idx {
		start, end := m[2*p.group], m[2*p.group+1]
		if start < last || start < 0 || masked(s[start:end]) || start == end {
			continue
		}
		if p.keep != nil && !p.keep(s, m) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(r.mask(s[start:end]))
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// dropHidden drops lines that show hidden markers, keeping the label of a
// dropped "Annotations:  example.com/x: y" line.
func (r Redactor) dropHidden(s string) string {
	if r.hiddenKey(s) < 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	kept := lines[:0]
	label := ""
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
	return strings.Join(kept, "\n")
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

// dataBlocks masks sensitive keys' values in kubectl describe's ConfigMap
// layout, where the value follows on the lines after "KEY:" and "----".
func (r Redactor) dataBlocks(s string) string {
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
		lines = slices.Replace(lines, i+2, end, r.mask(strings.Join(lines[i+2:end], "\n")))
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
