// Package openaitest is a scripted OpenAI-compatible HTTP server for tests that
// drive the real go-openai client.
//
// A test scripts the model's replies, runs the code under test against the
// server, then inspects what was sent:
//
//	srv := openaitest.New(t)
//	srv.Script(
//		openaitest.Calls(openaitest.Call("get_pods", `{"namespace":"shop"}`)),
//		openaitest.RateLimited(2*time.Second),
//		openaitest.Text("The pod is crash-looping: its liveness probe fails."),
//	)
//	agent := agent.New(srv.Client(), ...)
//	answer, err := agent.Ask(t.Context(), "why is checkout down?")
//	...
//	if got := srv.RequestCount(); got != 3 {
//		t.Errorf("requests = %d, want 3", got)
//	}
//	if strings.Contains(srv.LastRequest().AllText(), "hunter2") {
//		t.Error("a secret was sent to the model")
//	}
//
// # Endpoints
//
// POST /v1/chat/completions (non-streaming; "stream": true is answered 400),
// GET /v1/models, and the Azure forms POST
// /openai/deployments/{deployment}/chat/completions and GET /openai/models (see
// Server.AzureClientConfig). Every endpoint requires the API key, as
// "Authorization: Bearer <key>" or as the Azure "api-key" header; a wrong key
// gets 401. Errors use OpenAI's body {"error":{"message","type","param","code"}},
// which go-openai returns as an *openai.APIError carrying HTTPStatusCode.
//
// # Script
//
// Each chat completion request consumes the first reply given to Server.Script.
// When the script is empty, the function given to Server.Respond answers; when
// there is none, the server answers 500 "openaitest: script exhausted" and logs it
// to the test, so a conversation longer than the test expected fails loudly.
// Refused requests (wrong key, bad JSON, stream:true) are recorded but consume
// no reply.
//
// # Usage
//
// Every successful response carries usage computed with EstimateTokens, a
// deterministic stand-in for a tokenizer: prompt_tokens is EstimateTokens of
// Request.AllText plus, for each tool, of its name, description and parameter
// schema JSON; completion_tokens is EstimateTokens of the reply's content plus,
// for each tool call, of its name and arguments; total_tokens is their sum.
//
// # Retry-After
//
// A Fault's RetryAfter is sent as the "Retry-After" and "retry-after-ms" headers.
// go-openai v1.43.0 does not put headers on *openai.APIError, but its
// CreateChatCompletion returns the response value together with the error, with
// the response headers already set, so callers can read
// resp.Header().Get("Retry-After") after a 429.
package openaitest
