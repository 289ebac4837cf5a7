package tokens

import (
	"strings"

	"github.com/tiktoken-go/tokenizer"
)

// Counter counts and truncates by tokens. It is safe for concurrent use;
// the zero value is not usable, call New.
type Counter struct {
	codec tokenizer.Codec
}

// New returns a Counter. Build one per process and share it: its
// vocabulary is built on first use.
func New() *Counter {
	c, err := tokenizer.Get(tokenizer.O200kBase)
	if err != nil {
		panic("tokens: o200k_base is compiled in: " + err.Error()) // cannot happen: a build defect
	}
	return &Counter{codec: c}
}

// Count returns the number of tokens in s.
func (c *Counter) Count(s string) int {
	if s == "" {
		return 0
	}
	n, err := c.codec.Count(s)
	if err != nil { // invalid UTF-8: count what a provider would bill, roughly
		return (len(s) + 3) / 4
	}
	return n
}

// Truncate returns the longest prefix of s within max tokens, cut at a line
// break when there is one in the last quarter, and whether it cut anything.
func (c *Counter) Truncate(s string, max int) (string, bool) {
	if max <= 0 {
		return "", s != ""
	}
	ids, _, err := c.codec.Encode(s)
	if err != nil || len(ids) <= max {
		if err == nil {
			return s, false
		}
		// invalid UTF-8: fall back to a byte cut of about max tokens
		if len(s) <= max*4 {
			return s, false
		}
		return strings.ToValidUTF8(s[:max*4], ""), true
	}
	head, err := c.codec.Decode(ids[:max])
	if err != nil {
		head = strings.ToValidUTF8(head, "")
	}
	if i := strings.LastIndexByte(head, '\n'); i > len(head)*3/4 {
		head = head[:i+1]
	}
	return head, true
}
