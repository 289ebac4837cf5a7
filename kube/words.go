package kube

import (
	"fmt"
	"strings"
)

// splitWords splits a command line into words the way a POSIX shell would
// for plain words and quotes, without running anything: no expansion, no
// pipes, no substitution. Shell operators are refused, since nothing here
// is a shell.
func splitWords(line string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		inTok bool
		quote rune
	)
	runes := []rune(line)
	for i := 0; i < len(runes); i++ {
		c := runes[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(runes) && strings.ContainsRune(`"\$`+"`", runes[i+1]):
				i++
				cur.WriteRune(runes[i])
			default:
				cur.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, inTok = c, true
		case c == '\\' && i+1 < len(runes):
			i++
			cur.WriteRune(runes[i])
			inTok = true
		case c == ' ' || c == '\t' || c == '\n':
			if inTok {
				words = append(words, cur.String())
				cur.Reset()
				inTok = false
			}
		case strings.ContainsRune("|;&<>`$()", c):
			return nil, fmt.Errorf("%q is a shell operator; kubertnetes runs one read-only kubectl command, with no shell", string(c))
		default:
			cur.WriteRune(c)
			inTok = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inTok {
		words = append(words, cur.String())
	}
	return words, nil
}
