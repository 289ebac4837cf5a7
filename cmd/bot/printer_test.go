package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kubertnetes/kubertnetes/agent"
)

func TestPrinterShowsAFailureOnceWithAReference(t *testing.T) {
	cause := errors.New(`analyze all namespaces: Get "https://10.9.8.7:6443/api/v1/pods": x509: certificate signed by unknown authority`)
	tests := []struct {
		name     string
		emitted  error // what the brain emitted as an ErrorEvent
		returned error // what Ask returned
		shown    int   // "error:" lines printed
	}{
		{"emitted and returned", cause, cause, 1},
		{"returned only", nil, cause, 1},
		{"returned wrapped", cause, fmt.Errorf("ask: %w", cause), 1},
		{"stopped by the user", context.Canceled, context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			core, logs := observer.New(zapcore.WarnLevel)
			p := &printer{w: &out, log: zap.New(core)}
			if tt.emitted != nil {
				p.event(agent.ErrorEvent{Err: tt.emitted})
			}
			err := p.fail(tt.returned)
			if n := strings.Count(out.String(), "error:"); n != tt.shown {
				t.Fatalf("printed %d errors, want %d:\n%s", n, tt.shown, out.String())
			}
			if tt.shown == 0 {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("fail(%v) = %v, want the cancellation back", tt.returned, err)
				}
				return
			}
			if strings.Contains(out.String(), "10.9.8.7") || strings.Contains(err.Error(), "x509") {
				t.Errorf("the user sees the raw error: %q, returned %q", out.String(), err)
			}
			ref := regexp.MustCompile(`\(ref ([A-Z2-7]{6})\)`).FindStringSubmatch(out.String())
			if ref == nil || !strings.Contains(err.Error(), ref[0]) {
				t.Fatalf("printed %q and returned %q, want both with the same reference", out.String(), err)
			}
			logged := logs.FilterField(zap.String("ref", ref[1])).All()
			if len(logged) != 1 || !strings.Contains(fmt.Sprint(logged[0].ContextMap()["error"]), "x509") {
				t.Errorf("log entries with ref %s: %+v, want one with the full error", ref[1], logged)
			}
		})
	}
}
