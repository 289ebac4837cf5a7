package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sashabaranov/go-openai"
)

// LLM is the one method kubertnetes needs from a model provider;
// *openai.Client satisfies it for OpenAI, Azure OpenAI, Ollama, vLLM and
// any other OpenAI-compatible endpoint.
type LLM interface {
	CreateChatCompletion(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
}

// retrying calls the model with bounded retries: 429 (honouring
// Retry-After), 5xx, timeouts and malformed or empty responses.
type retrying struct {
	llm      LLM
	attempts int
	backoff  time.Duration
	maxWait  time.Duration
	sleep    func(ctx context.Context, d time.Duration) error
}

func (r retrying) complete(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	var last error
	for attempt := 0; attempt < r.attempts; attempt++ {
		resp, err := r.llm.CreateChatCompletion(ctx, req)
		if err == nil && len(resp.Choices) == 0 {
			err = fmt.Errorf("the model returned no choices")
		}
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, ctx.Err()
		}
		last = err
		wait, retry := r.retryAfter(resp, err, attempt)
		if !retry || attempt == r.attempts-1 {
			break
		}
		if err := r.sleep(ctx, wait); err != nil {
			return resp, err
		}
	}
	return openai.ChatCompletionResponse{}, fmt.Errorf("the model did not answer after %d attempt(s): %w", r.attempts, last)
}

func (r retrying) retryAfter(resp openai.ChatCompletionResponse, err error, attempt int) (time.Duration, bool) {
	wait := r.backoff << attempt
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.HTTPStatusCode == http.StatusTooManyRequests:
			if h := resp.Header(); h != nil {
				if s, perr := strconv.Atoi(h.Get("Retry-After")); perr == nil && s >= 0 {
					wait = time.Duration(s) * time.Second
				}
			}
		case apiErr.HTTPStatusCode >= 500, apiErr.HTTPStatusCode == http.StatusRequestTimeout:
		default:
			return 0, false // 400, 401, 404: retrying cannot help
		}
	}
	if wait > r.maxWait {
		wait = r.maxWait
	}
	return wait, true
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
