package openaitest

import (
	"fmt"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Reply is one scripted answer to one chat completion request.
//
// A Reply with a nil Fault becomes a 200 response holding a single choice whose
// message carries Content and ToolCalls. A Reply with a Fault becomes whatever the
// Fault describes instead. Delay is waited first in both cases.
type Reply struct {
	// Content is the assistant message text. It may be empty, and it may be set
	// together with ToolCalls.
	Content string
	// ToolCalls are returned in order in one message (parallel tool calls).
	ToolCalls []ToolCall
	// FinishReason overrides the choice's finish_reason. When empty it is
	// "tool_calls" if there are tool calls, else "stop".
	FinishReason string
	// Fault, when set, replaces the normal response.
	Fault *Fault
	// Delay is waited before answering. It ends early, with no answer written,
	// when the client gives up (request context done) or the server closes.
	Delay time.Duration
}

// ToolCall is a tool call the fake model makes.
type ToolCall struct {
	// ID is the tool call id. When empty the server fills in "call_<request>_<index>",
	// for example "call_1_0", so ids are unique and stable across runs.
	ID string
	// Name is the function name.
	Name string
	// Arguments is sent verbatim as the function arguments string. It need not
	// be valid JSON; that is how tests feed the agent malformed arguments.
	Arguments string
}

// Fault describes a failed or damaged response.
//
// Status picks the HTTP status. When it is 0 it is 200 if EmptyChoices or
// MalformedBody is set, else 500. A status of 400 or more gets OpenAI's error body
// {"error":{"message","type","param","code"}}, which go-openai returns as an
// *openai.APIError, unless MalformedBody is set: then the body is not JSON and
// go-openai returns an *openai.RequestError. A status below 400 gets a response
// body: an ordinary one with `"choices": []` when EmptyChoices is set, or a
// truncated JSON document when MalformedBody is set, which makes go-openai return
// a JSON decoding error.
type Fault struct {
	Status int
	// RetryAfter, when positive, is sent as "Retry-After" (whole seconds, rounded
	// up) and as "retry-after-ms" (milliseconds), as OpenAI does.
	RetryAfter time.Duration
	// Message is the error message; when empty a message naming the status is used.
	Message       string
	EmptyChoices  bool
	MalformedBody bool
}

// Text returns a Reply whose message is the text s.
func Text(s string) Reply { return Reply{Content: s} }

// Call returns a ToolCall of the function name with the raw arguments text.
func Call(name, argsJSON string) ToolCall { return ToolCall{Name: name, Arguments: argsJSON} }

// Calls returns a Reply that makes the given tool calls, in order, in one message.
func Calls(calls ...ToolCall) Reply { return Reply{ToolCalls: calls} }

// RateLimited returns a Reply that is a 429 rate-limit error carrying a
// Retry-After of retryAfter (none when retryAfter is 0).
func RateLimited(retryAfter time.Duration) Reply {
	return Reply{Fault: &Fault{
		Status:     http.StatusTooManyRequests,
		RetryAfter: retryAfter,
		Message:    "openaitest: rate limit reached, please retry later",
	}}
}

// ServerError returns a Reply that is a 500 server error.
func ServerError() Reply {
	return Reply{Fault: &Fault{
		Status:  http.StatusInternalServerError,
		Message: "openaitest: the server had an error while processing your request",
	}}
}

// status returns the HTTP status the fault is answered with.
func (f *Fault) status() int {
	switch {
	case f.Status != 0:
		return f.Status
	case f.EmptyChoices || f.MalformedBody:
		return http.StatusOK
	default:
		return http.StatusInternalServerError
	}
}

// completion builds the response body for a successful reply to the seq-th
// request. Usage is estimated as described in the package documentation.
func (r Reply) completion(seq int, req Request) openai.ChatCompletionResponse {
	msg := openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: r.Content}
	completionTokens := EstimateTokens(r.Content)
	for i, c := range r.ToolCalls {
		id := c.ID
		if id == "" {
			id = fmt.Sprintf("call_%d_%d", seq, i)
		}
		msg.ToolCalls = append(msg.ToolCalls, openai.ToolCall{
			ID:       id,
			Type:     openai.ToolTypeFunction,
			Function: openai.FunctionCall{Name: c.Name, Arguments: c.Arguments},
		})
		completionTokens += EstimateTokens(c.Name) + EstimateTokens(c.Arguments)
	}
	finish := openai.FinishReason(r.FinishReason)
	if finish == "" {
		finish = openai.FinishReasonStop
		if len(r.ToolCalls) > 0 {
			finish = openai.FinishReasonToolCalls
		}
	}
	choices := []openai.ChatCompletionChoice{{Index: 0, Message: msg, FinishReason: finish}}
	if r.Fault != nil && r.Fault.EmptyChoices {
		choices = []openai.ChatCompletionChoice{}
	}
	prompt := req.promptTokens()
	return openai.ChatCompletionResponse{
		ID:      fmt.Sprintf("chatcmpl-openaitest-%d", seq),
		Object:  "chat.completion",
		Created: created,
		Model:   req.Model,
		Choices: choices,
		Usage: openai.Usage{
			PromptTokens:     prompt,
			CompletionTokens: completionTokens,
			TotalTokens:      prompt + completionTokens,
		},
		SystemFingerprint: "openaitest",
	}
}

// created is the fixed "created" timestamp of every response (2025-01-01 UTC),
// so recorded responses do not change from run to run.
const created = 1735689600
