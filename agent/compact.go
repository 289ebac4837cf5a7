package agent

import (
	"fmt"
	"strings"

	"github.com/sashabaranov/go-openai"

	"github.com/kubertnetes/kubertnetes/tokens"
)

// shortResult is the size (tokens) up to which a folded result is kept
// whole: a reference would cost about as much.
const shortResult = 60

// foldMark starts the message an old tool-calling turn is folded into.
const foldMark = "[kubertnetes] earlier step, elided to keep the context small:"

// compact folds every tool-calling turn older than the most recent
// keepTurns into one short user message naming each call and how its
// result began. A folded message never changes again and is inserted where
// the turn was, so the transcript's prefix stays byte-stable up to the
// newest fold (providers' prompt caching keeps working) while the prompt
// grows by a few dozen tokens per step instead of a whole result.
func compact(msgs []openai.ChatCompletionMessage, keepTurns int, count *tokens.Counter) []openai.ChatCompletionMessage {
	if keepTurns < 0 {
		return msgs
	}
	cut, turns := len(msgs), 0
	for i := len(msgs) - 1; i >= 0 && turns < keepTurns; i-- {
		if msgs[i].Role == openai.ChatMessageRoleAssistant && len(msgs[i].ToolCalls) > 0 {
			turns++
			cut = i
		}
	}
	if turns < keepTurns {
		return msgs // fewer turns than we keep: nothing is old yet
	}
	out := make([]openai.ChatCompletionMessage, 0, len(msgs))
	for i := 0; i < len(msgs); i++ {
		m := msgs[i]
		if i >= cut || m.Role != openai.ChatMessageRoleAssistant || len(m.ToolCalls) == 0 {
			out = append(out, m)
			continue
		}
		results := map[string]string{}
		for i+1 < len(msgs) && msgs[i+1].Role == openai.ChatMessageRoleTool {
			i++
			results[msgs[i].ToolCallID] = msgs[i].Content
		}
		out = append(out, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: fold(m, results, count)})
	}
	return out
}

// fold writes one old turn as a short reference.
func fold(m openai.ChatCompletionMessage, results map[string]string, count *tokens.Counter) string {
	var b strings.Builder
	b.WriteString(foldMark)
	if c := strings.TrimSpace(m.Content); c != "" {
		fmt.Fprintf(&b, " you said %q;", oneLine(c, 120))
	}
	for _, c := range m.ToolCalls {
		res := results[c.ID]
		if n := count.Count(res); n > shortResult {
			fmt.Fprintf(&b, "\n- %s %s → %d tokens, began: %s", c.Function.Name, oneLine(c.Function.Arguments, 120), n, oneLine(res, 70))
		} else {
			fmt.Fprintf(&b, "\n- %s %s → %s", c.Function.Name, oneLine(c.Function.Arguments, 120), oneLine(res, 400))
		}
	}
	return b.String()
}

// oneLine flattens s to at most n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
