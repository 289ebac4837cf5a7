package bot

import (
	"net/url"
	"strings"
)

// escaper escapes the three characters Slack asks mrkdwn text to escape.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// inert makes text from the model or the cluster safe inside mrkdwn: its
// &, < and > are escaped as Slack asks, so mentions (<!channel>, <@U1>),
// user-group pings and links (<https://evil|click>) are shown as typed
// and never act.
func inert(s string) string { return escaper.Replace(s) }

// inertCode is inert text that cannot leave a code block the bot made:
// its ``` fences are broken up as well.
func inertCode(s string) string { return inert(strings.ReplaceAll(s, "```", "'''")) }

// docsLink is a link to documentation, or "" when the address is not a
// plain http(s) URL that fits a mrkdwn link.
func docsLink(addr string) string {
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(addr, "|<>& \n") {
		return ""
	}
	return "<" + addr + "|docs>"
}

// splitInert escapes s with esc and cuts the result into pieces of at most
// n characters (runes), at line breaks where it can and never inside an
// escape, so that every character of s is in exactly one piece.
func splitInert(s string, n int, esc func(string) string) []string {
	var out []string
	var cur strings.Builder
	size := 0
	flush := func() {
		if size > 0 {
			out = append(out, cur.String())
			cur.Reset()
			size = 0
		}
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		e := esc(line)
		if size+len([]rune(e)) > n {
			flush()
		}
		if len([]rune(e)) <= n {
			cur.WriteString(e)
			size += len([]rune(e))
			continue
		}
		for _, r := range line { // a line longer than a piece: cut it by characters
			u := esc(string(r))
			if size+len([]rune(u)) > n {
				flush()
			}
			cur.WriteString(u)
			size += len([]rune(u))
		}
	}
	flush()
	return out
}

// fallback is a message's text (notifications, clients without blocks)
// made of text from the model or the cluster: inert, and cut to fit.
func fallback(s string) string {
	if parts := splitInert(s, maxText, inert); len(parts) > 0 {
		return parts[0]
	}
	return ""
}
