package openaitest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Defaults used when no Option changes them.
const (
	DefaultAPIKey = "test-key"
	DefaultModel  = "gpt-4o-mini"
)

// Server is a scripted OpenAI-compatible HTTP server. Its methods are safe for
// concurrent use.
type Server struct {
	t      testing.TB
	srv    *httptest.Server
	apiKey string
	models []string
	done   chan struct{} // closed when the test ends; cuts every Delay short

	mu        sync.Mutex
	script    []Reply
	responder func(Request) Reply
	requests  []Request
}

// Option configures a Server.
type Option func(*Server)

// WithAPIKey sets the API key the server expects (default DefaultAPIKey).
func WithAPIKey(key string) Option { return func(s *Server) { s.apiKey = key } }

// WithModels sets the model ids GET /v1/models lists (default DefaultModel).
func WithModels(ids ...string) Option {
	return func(s *Server) { s.models = append([]string(nil), ids...) }
}

// New starts a server on 127.0.0.1 and closes it when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, apiKey: DefaultAPIKey, models: []string{DefaultModel}, done: make(chan struct{})}
	for _, opt := range opts {
		opt(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("POST /openai/deployments/{deployment}/chat/completions", s.chat)
	mux.HandleFunc("GET /v1/models", s.listModels)
	mux.HandleFunc("GET /openai/models", s.listModels)
	mux.HandleFunc("/", s.notFound)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// BaseURL returns the OpenAI base URL, "http://127.0.0.1:PORT/v1".
func (s *Server) BaseURL() string { return s.srv.URL + "/v1" }

// ClientConfig returns a go-openai configuration that talks to this server
// with the expected API key.
func (s *Server) ClientConfig() openai.ClientConfig {
	cfg := openai.DefaultConfig(s.apiKey)
	cfg.BaseURL = s.BaseURL()
	cfg.HTTPClient = s.srv.Client()
	return cfg
}

// AzureClientConfig returns a go-openai Azure configuration that talks to this
// server: requests go to /openai/deployments/{deployment}/chat/completions with
// the key in the "api-key" header.
func (s *Server) AzureClientConfig() openai.ClientConfig {
	cfg := openai.DefaultAzureConfig(s.apiKey, s.srv.URL)
	cfg.HTTPClient = s.srv.Client()
	return cfg
}

// Client returns a go-openai client built from ClientConfig.
func (s *Server) Client() *openai.Client { return openai.NewClientWithConfig(s.ClientConfig()) }

// Script appends replies to the script. Each chat completion request that is
// authorised, valid JSON and not streaming consumes the first remaining reply.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, replies...)
}

// Respond sets the function that answers requests once the script is empty. It
// may be called from several goroutines at once. A nil f removes it.
func (s *Server) Respond(f func(Request) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responder = f
}

// Requests returns every chat completion request received, in arrival order,
// including the ones that were refused (wrong key, bad JSON, stream:true).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestCount returns len(Requests()).
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// LastRequest returns the latest chat completion request. It fails the test
// (t.Fatalf) when there is none, so call it from the test's goroutine.
func (s *Server) LastRequest() Request {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		s.t.Fatalf("openaitest: LastRequest: no chat completion request was received")
	}
	return s.requests[len(s.requests)-1]
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	req := Request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	if err == nil {
		err = json.Unmarshal(body, &req.ChatCompletionRequest)
	}
	seq := s.record(req)

	switch {
	case !s.authorized(r):
		writeError(w, http.StatusUnauthorized, "openaitest: incorrect API key provided", "invalid_api_key")
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("openaitest: decode request body: %v", err), "invalid_json")
		return
	case req.Stream:
		writeError(w, http.StatusBadRequest,
			"openaitest: streaming (stream:true) is not supported by this fake; use CreateChatCompletion",
			"unsupported_parameter")
		return
	}

	reply, ok := s.next(req)
	if !ok {
		s.t.Logf("openaitest: script exhausted at request %d (%s %s)", seq, r.Method, r.URL.Path)
		writeError(w, http.StatusInternalServerError, "openaitest: script exhausted", "script_exhausted")
		return
	}
	if !s.wait(r.Context(), reply.Delay) {
		return // the client has gone or the test has ended: nobody reads an answer
	}
	s.answer(w, seq, req, reply)
}

// record appends req to the log and returns its 1-based sequence number.
func (s *Server) record(req Request) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	return len(s.requests)
}

// next pops the next scripted reply, or asks the responder when the script is
// empty. ok is false when there is neither.
func (s *Server) next(req Request) (reply Reply, ok bool) {
	s.mu.Lock()
	if len(s.script) > 0 {
		reply, s.script = s.script[0], s.script[1:]
		s.mu.Unlock()
		return reply, true
	}
	responder := s.responder
	s.mu.Unlock()
	if responder == nil {
		return Reply{}, false
	}
	return responder(req), true
}

// wait sleeps for d and reports whether it slept the whole time.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

func (s *Server) answer(w http.ResponseWriter, seq int, req Request, reply Reply) {
	f := reply.Fault
	if f == nil {
		writeJSON(w, http.StatusOK, reply.completion(seq, req))
		return
	}
	if f.RetryAfter > 0 {
		secs := (f.RetryAfter + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.FormatInt(int64(secs), 10))
		w.Header().Set("retry-after-ms", strconv.FormatInt(f.RetryAfter.Milliseconds(), 10))
	}
	status := f.status()
	switch {
	case status >= http.StatusBadRequest && f.MalformedBody:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>\n", status, http.StatusText(status))
	case status >= http.StatusBadRequest:
		msg := f.Message
		if msg == "" {
			msg = fmt.Sprintf("openaitest: scripted %d %s", status, http.StatusText(status))
		}
		writeError(w, status, msg, "")
	case f.MalformedBody:
		b, _ := json.Marshal(reply.completion(seq, req))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(b[:len(b)/2])
	default:
		writeJSON(w, status, reply.completion(seq, req))
	}
}

func (s *Server) authorized(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Bearer "+s.apiKey ||
		r.Header.Get(openai.AzureAPIKeyHeader) == s.apiKey
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "openaitest: incorrect API key provided", "invalid_api_key")
		return
	}
	list := struct {
		Object string         `json:"object"`
		Data   []openai.Model `json:"data"`
	}{Object: "list", Data: []openai.Model{}}
	for _, id := range s.models {
		list.Data = append(list.Data, openai.Model{ID: id, Object: "model", OwnedBy: "openaitest", CreatedAt: created})
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound,
		fmt.Sprintf("openaitest: no route for %s %s", r.Method, r.URL.Path), "unknown_url")
}

// writeError writes OpenAI's error body, {"error":{"message","type","param","code"}}.
// The type follows the status the way OpenAI's does. An empty code is sent as null.
func writeError(w http.ResponseWriter, status int, msg, code string) {
	typ := "invalid_request_error"
	switch {
	case status == http.StatusTooManyRequests:
		typ = "requests"
		if code == "" {
			code = "rate_limit_exceeded"
		}
	case status >= http.StatusInternalServerError:
		typ = "server_error"
	}
	var codeValue any
	if code != "" {
		codeValue = code
	}
	body := map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "param": nil, "code": codeValue,
	}}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "openaitest: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
