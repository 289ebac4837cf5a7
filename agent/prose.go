package agent

import (
	"regexp"
	"strings"
)

// proseCommand finds kubectl commands in backticks, code blocks or on
// their own "$ kubectl …" lines.
var proseCommand = regexp.MustCompile("(?m)(?:`{1,3}(?:bash|sh|shell|console)?\\s*\\$?\\s*(kubectl [^`\\n]+)`{0,3}|^\\s*\\$?\\s*(kubectl [^\\n]+)$)")

// commandsInProse returns the kubectl read commands a model wrote as text
// instead of calling a tool — but only when the message is essentially
// those commands ("Let me check: `kubectl get pods -n shop`"), not a final
// answer that mentions commands for the human to run.
func commandsInProse(content string) []string {
	var cmds []string
	rest := content
	for _, m := range proseCommand.FindAllStringSubmatch(content, -1) {
		cmd := strings.TrimSpace(m[1] + m[2])
		cmd = strings.Trim(cmd, "`")
		cmds = append(cmds, cmd)
		rest = strings.Replace(rest, m[0], "", 1)
	}
	if len(cmds) == 0 || len(cmds) > 3 {
		return nil
	}
	if len(strings.Join(strings.Fields(rest), " ")) > 160 {
		return nil // a real answer that happens to cite commands
	}
	return cmds
}
