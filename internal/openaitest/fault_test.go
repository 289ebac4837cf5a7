package openaitest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/kubertnetes/kubertnetes/internal/openaitest"
)

// TestAPIErrors checks the faults go-openai reports as *openai.APIError.
func TestAPIErrors(t *testing.T) {
	tests := []struct {
		name     string
		script   []openaitest.Reply // nil: script exhausted
		key      string             // API key the client uses; "" means the right one
		status   int
		typ      string
		code     any // go-openai decodes the wire's "code": null as int 0
		message  string
		consumed bool // whether the scripted reply was used up
	}{
		{name: "rate limited", script: []openaitest.Reply{openaitest.RateLimited(2 * time.Second)},
			status: 429, typ: "requests", code: "rate_limit_exceeded",
			message: "openaitest: rate limit reached, please retry later", consumed: true},
		{name: "server error", script: []openaitest.Reply{openaitest.ServerError()},
			status: 500, typ: "server_error", code: 0,
			message: "openaitest: the server had an error while processing your request", consumed: true},
		{name: "custom fault", script: []openaitest.Reply{{Fault: &openaitest.Fault{Status: 400, Message: "context too long"}}},
			status: 400, typ: "invalid_request_error", code: 0, message: "context too long", consumed: true},
		{name: "script exhausted", status: 500, typ: "server_error", code: "script_exhausted",
			message: "openaitest: script exhausted"},
		{name: "wrong API key", script: []openaitest.Reply{openaitest.Text("unused")}, key: "wrong-key",
			status: 401, typ: "invalid_request_error", code: "invalid_api_key",
			message: "openaitest: incorrect API key provided"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Script(tt.script...)
			cfg := srv.ClientConfig()
			if tt.key != "" {
				wrong := openai.DefaultConfig(tt.key)
				wrong.BaseURL, wrong.HTTPClient = cfg.BaseURL, cfg.HTTPClient
				cfg = wrong
			}

			_, err := ask(t, openai.NewClientWithConfig(cfg), "hi")
			var apiErr *openai.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %#v, want *openai.APIError", err)
			}
			if apiErr.HTTPStatusCode != tt.status || apiErr.Type != tt.typ || apiErr.Code != tt.code || apiErr.Message != tt.message {
				t.Errorf("got status %d type %q code %#v message %q, want %d %q %#v %q",
					apiErr.HTTPStatusCode, apiErr.Type, apiErr.Code, apiErr.Message,
					tt.status, tt.typ, tt.code, tt.message)
			}
			if got := srv.RequestCount(); got != 1 {
				t.Errorf("RequestCount = %d, want 1 (refused requests are recorded too)", got)
			}
			if tt.script == nil || tt.consumed {
				return
			}
			// The refused request must not have used up the scripted reply.
			resp, err := ask(t, srv.Client(), "hi")
			if err != nil || resp.Choices[0].Message.Content != "unused" {
				t.Errorf("next request got %+v, %v; want the scripted reply", resp.Choices, err)
			}
		})
	}
}

// TestRetryAfterVisible shows where go-openai exposes Retry-After: not on the
// *openai.APIError, but on the response value returned beside it.
func TestRetryAfterVisible(t *testing.T) {
	srv := openaitest.New(t)
	srv.Script(openaitest.RateLimited(1500 * time.Millisecond))

	resp, err := ask(t, srv.Client(), "hi")
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusTooManyRequests {
		t.Fatalf("error = %v, want a 429 *openai.APIError", err)
	}
	if got := resp.Header().Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want %q (1.5s rounded up)", got, "2")
	}
	if got := resp.Header().Get("retry-after-ms"); got != "1500" {
		t.Errorf("retry-after-ms = %q, want %q", got, "1500")
	}
}

func TestMalformedBody(t *testing.T) {
	t.Run("error status, HTML body", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Script(openaitest.Reply{Fault: &openaitest.Fault{Status: http.StatusBadGateway, MalformedBody: true}})
		_, err := ask(t, srv.Client(), "hi")
		var reqErr *openai.RequestError
		if !errors.As(err, &reqErr) || reqErr.HTTPStatusCode != http.StatusBadGateway {
			t.Fatalf("error = %#v, want a 502 *openai.RequestError", err)
		}
	})
	t.Run("200, truncated JSON", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Script(openaitest.Reply{Content: "lost", Fault: &openaitest.Fault{MalformedBody: true}})
		_, err := ask(t, srv.Client(), "hi")
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("error = %#v, want io.ErrUnexpectedEOF from decoding the body", err)
		}
	})
}

func TestEmptyChoices(t *testing.T) {
	srv := openaitest.New(t)
	srv.Script(openaitest.Reply{Fault: &openaitest.Fault{EmptyChoices: true}})
	resp, err := ask(t, srv.Client(), "hi")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if len(resp.Choices) != 0 {
		t.Errorf("got %d choices, want 0", len(resp.Choices))
	}
	if resp.Usage.PromptTokens != 1 {
		t.Errorf("prompt_tokens = %d, want 1", resp.Usage.PromptTokens)
	}
}

func TestDelay(t *testing.T) {
	t.Run("waited", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Script(openaitest.Reply{Content: "slow", Delay: 50 * time.Millisecond})
		start := time.Now()
		if _, err := ask(t, srv.Client(), "hi"); err != nil {
			t.Fatalf("CreateChatCompletion: %v", err)
		}
		if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
			t.Errorf("answered after %v, want at least 50ms", elapsed)
		}
	})
	t.Run("cancelled by the client", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Script(openaitest.Reply{Content: "too late", Delay: time.Minute})
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := srv.Client().CreateChatCompletion(ctx, openai.ChatCompletionRequest{
			Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}},
		})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want context.DeadlineExceeded", err)
		}
		if elapsed := time.Since(start); elapsed > 10*time.Second {
			t.Errorf("returned after %v, want about 50ms", elapsed)
		}
	})
}

func TestStreamingRejected(t *testing.T) {
	srv := openaitest.New(t)
	srv.Script(openaitest.Text("unused"))
	_, err := srv.Client().CreateChatCompletionStream(t.Context(), openai.ChatCompletionRequest{
		Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}},
	})
	var apiErr *openai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusBadRequest {
		t.Fatalf("error = %v, want a 400 *openai.APIError", err)
	}
	if !srv.LastRequest().Stream {
		t.Error("recorded request has stream=false, want true")
	}
}

func TestListModels(t *testing.T) {
	srv := openaitest.New(t, openaitest.WithModels("gpt-a", "gpt-b"))
	list, err := srv.Client().ListModels(t.Context())
	if err != nil {
		t.Fatalf("ListModels: %v", err)
	}
	var ids []string
	for _, m := range list.Models {
		ids = append(ids, m.ID)
	}
	if len(ids) != 2 || ids[0] != "gpt-a" || ids[1] != "gpt-b" {
		t.Errorf("model ids = %v, want [gpt-a gpt-b]", ids)
	}
	if got := srv.RequestCount(); got != 0 {
		t.Errorf("RequestCount = %d, want 0 (only chat completions are recorded)", got)
	}
}

func TestCustomKeyAndAzure(t *testing.T) {
	srv := openaitest.New(t, openaitest.WithAPIKey("azure-secret"))
	srv.Script(openaitest.Text("from azure"))
	c := openai.NewClientWithConfig(srv.AzureClientConfig())

	resp, err := ask(t, c, "hi")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if got := resp.Choices[0].Message.Content; got != "from azure" {
		t.Errorf("content = %q, want %q", got, "from azure")
	}
	req := srv.LastRequest()
	if want := "/openai/deployments/" + openaitest.DefaultModel + "/chat/completions"; req.Path != want {
		t.Errorf("path = %q, want %q", req.Path, want)
	}
	if got := req.Header.Get("api-key"); got != "azure-secret" {
		t.Errorf("api-key header = %q, want azure-secret", got)
	}
	if _, err := c.ListModels(t.Context()); err != nil {
		t.Errorf("Azure ListModels: %v", err)
	}
}
