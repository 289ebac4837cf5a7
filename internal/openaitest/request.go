package openaitest

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode"

	openai "github.com/sashabaranov/go-openai"
)

// Request is one chat completion request as the server received it.
type Request struct {
	// ChatCompletionRequest is the decoded body. It is the zero value when the
	// body was not valid JSON (the server then answered 400).
	openai.ChatCompletionRequest
	// Path is the URL path, e.g. "/v1/chat/completions" or
	// "/openai/deployments/my-deployment/chat/completions".
	Path string
	// Header is a copy of the request headers, Authorization included.
	Header http.Header
	// Body is the raw request body.
	Body []byte
}

// AllText returns, joined by newlines, every piece of text the request carried
// in its messages: message contents (text parts of multi-part contents too),
// reasoning contents, tool call names and arguments, legacy function calls, and
// the contents of tool result messages. Tests use it to assert that a secret was
// never sent to the model; it is decoded text, so JSON escaping cannot hide a match
// the way it could in Body.
func (r Request) AllText() string {
	var parts []string
	add := func(s string) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	for _, m := range r.Messages {
		add(m.Content)
		for _, p := range m.MultiContent {
			add(p.Text)
		}
		add(m.ReasoningContent)
		for _, c := range m.ToolCalls {
			add(c.Function.Name)
			add(c.Function.Arguments)
		}
		if m.FunctionCall != nil {
			add(m.FunctionCall.Name)
			add(m.FunctionCall.Arguments)
		}
	}
	return strings.Join(parts, "\n")
}

// ToolResults returns the role "tool" messages of the request, in order.
func (r Request) ToolResults() []openai.ChatCompletionMessage {
	var out []openai.ChatCompletionMessage
	for _, m := range r.Messages {
		if m.Role == openai.ChatMessageRoleTool {
			out = append(out, m)
		}
	}
	return out
}

// promptTokens estimates the prompt size: EstimateTokens of AllText, plus of each
// tool's name, description and parameter schema as JSON.
func (r Request) promptTokens() int {
	n := EstimateTokens(r.AllText())
	for _, t := range r.Tools {
		if t.Function == nil {
			continue
		}
		n += EstimateTokens(t.Function.Name) + EstimateTokens(t.Function.Description)
		if t.Function.Parameters != nil {
			if b, err := json.Marshal(t.Function.Parameters); err == nil {
				n += EstimateTokens(string(b))
			}
		}
	}
	return n
}

// EstimateTokens is the server's deterministic token count: every maximal run of
// letters and digits is one token, and every other character that is not white
// space is one token. "kubectl get pods -n default" is 6 tokens; `{"a":1}` is 7.
// It is not a real tokenizer; it only gives budget code stable, plausible numbers.
func EstimateTokens(s string) int {
	n, inWord := 0, false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !inWord {
				n++
			}
			inWord = true
		case unicode.IsSpace(r):
			inWord = false
		default:
			n++
			inWord = false
		}
	}
	return n
}
