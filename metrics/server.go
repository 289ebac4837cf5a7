package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Check reports whether one dependency is ready; nil means ready.
type Check func(ctx context.Context) error

// Server serves /healthz, /readyz and /metrics.
type Server struct {
	srv    *http.Server
	ln     net.Listener
	checks map[string]Check
}

// NewServer listens on addr (e.g. ":8080"; "127.0.0.1:0" for a free port).
// checks name what /readyz requires, e.g. "slack" and "cluster".
func NewServer(addr string, m *Metrics, checks map[string]Check) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s for health and metrics (set KUBERTNETES_HTTP_ADDR): %w", addr, err)
	}
	s := &Server{ln: ln, checks: checks}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", m.Handler())
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Run serves until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("health server: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err := s.srv.Shutdown(sctx)
		if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
			err = e
		}
		return err
	}
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	failed := false
	var body string
	for _, name := range sortedKeys(s.checks) {
		if err := s.checks[name](ctx); err != nil {
			failed = true
			body += fmt.Sprintf("%s: not ready: %v\n", name, err)
		} else {
			body += name + ": ok\n"
		}
	}
	if failed {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	fmt.Fprint(w, body)
}
