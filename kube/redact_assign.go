package kube

import (
	"regexp"
	"strings"
)

// assignment matches NAME=value, NAME: value and "NAME": "value" in free
// text (logs, describe output, config files); the value is masked when NAME
// is sensitive. NAME and value are on one line: "Environment:" is a
// heading, not a name.
var assignment = regexp.MustCompile(`(["']?)([A-Za-z_][A-Za-z0-9_.-]*)(["']?)([ \t]*[:=][ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|["']?[^\s",]+)`)

// maskAssignments masks the values of sensitive NAME=value assignments. A
// value may itself hold one ("error: password=x", "Annotations:
// example.com/db-password: x"), so the search goes on from the start of
// a value it does not mask. An unquoted value that starts a line
// ("DB_PASSWORD:  a b c", a config file's "password = a b") runs to the
// end of the line; a YAML block scalar ("password: |") takes the lines
// indented below it.
func (r Redactor) maskAssignments(s string) string {
	var b strings.Builder
	last := 0
	for pos := 0; pos < len(s); {
		m := assignment.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		vs, ve := m[10], m[11]
		value := s[vs:ve]
		if !SensitiveName(s[m[4]:m[5]]) || masked(strings.Trim(value, `"'`)) || strings.HasPrefix(value, "<") {
			pos = vs
			if vs == m[0] {
				pos++
			}
			continue
		}
		if q := value[0]; q == '"' || q == '\'' {
			// A quoted value, or a quote that is never closed.
			vs++
			if len(value) >= 2 && value[len(value)-1] == q {
				ve--
			}
		} else if lineStart(s, m[0]) {
			ve = lineEnd(s, ve)
			if v := strings.TrimSpace(s[vs:ve]); v == "|" || v == ">" || v == "|-" || v == ">-" {
				ve = blockEnd(s, m[0], ve)
			}
		}
		b.WriteString(s[last:vs])
		b.WriteString(r.mask(s[vs:ve]))
		last, pos = ve, ve
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// lineStart reports whether only blanks, or a YAML list's "- ", come
// before i on its line.
func lineStart(s string, i int) bool {
	for j := i - 1; j >= 0 && s[j] != '\n'; j-- {
		switch c := s[j]; {
		case c == ' ' || c == '\t':
		case c == '-' && (s[j+1] == ' ' || s[j+1] == '\t'):
		default:
			return false
		}
	}
	return true
}

// lineEnd is where the line holding i ends, trailing blanks left out.
func lineEnd(s string, i int) int {
	if n := strings.IndexByte(s[i:], '\n'); n >= 0 {
		i += n
	} else {
		i = len(s)
	}
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == '\r') {
		i--
	}
	return i
}

// blockEnd is where a YAML block scalar whose key starts at keyAt, and
// whose indicator line ends at i, ends: before the first non-blank line
// indented no deeper than the key.
func blockEnd(s string, keyAt, i int) int {
	indent := keyAt - (strings.LastIndexByte(s[:keyAt], '\n') + 1)
	end := i
	for pos := i; pos < len(s); {
		nl := strings.IndexByte(s[pos+1:], '\n')
		next := len(s)
		if nl >= 0 {
			next = pos + 1 + nl
		}
		line := s[min(pos+1, len(s)):next]
		if strings.TrimSpace(line) != "" {
			if len(line)-len(strings.TrimLeft(line, " \t")) <= indent {
				break
			}
			end = next
		}
		pos = next
	}
	return end
}
