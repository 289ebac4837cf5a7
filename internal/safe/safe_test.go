package safe

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestCall(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		fn       func() error
		want     error
		logStack bool
	}{
		{"returns fn's error", func() error { return boom }, boom, false},
		{"returns nil", func() error { return nil }, nil, false},
		{"a panic becomes an error, logged with its stack", func() error {
			var m map[string]any
			m["x"] = 1 // nil map write: the panic a null patch once caused
			return nil
		}, ErrPanic, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zap.ErrorLevel)
			err := Call(zap.New(core), "apply fix-1", tt.fn)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Call = %v, want %v", err, tt.want)
			}
			entries := logs.All()
			if !tt.logStack {
				if len(entries) != 0 {
					t.Errorf("logged %d entries for no panic", len(entries))
				}
				return
			}
			if len(entries) != 1 || !strings.Contains(entries[0].ContextMap()["stack"].(string), "safe.TestCall") || entries[0].ContextMap()["in"] != "apply fix-1" {
				t.Errorf("log = %+v, want one entry naming the operation with its stack", entries)
			}
			if !strings.Contains(err.Error(), "apply fix-1") || !strings.Contains(err.Error(), "nil map") {
				t.Errorf("error %q does not say what panicked and why", err)
			}
		})
	}
}

// A panic's value may quote what the work read: CallRedacted masks it in
// the log and in the error, and keeps the stack.
func TestCallRedactedMasksThePanicValue(t *testing.T) {
	core, logs := observer.New(zap.ErrorLevel)
	mask := func(s string) string { return strings.ReplaceAll(s, "hunter2", "[REDACTED]") }
	err := CallRedacted(zap.New(core), mask, "tool get", func() error { panic("bad object: password=hunter2") })
	if !errors.Is(err, ErrPanic) || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("err = %v, want a panic error with the value masked", err)
	}
	e := logs.All()
	if len(e) != 1 || strings.Contains(e[0].ContextMap()["panic"].(string), "hunter2") || e[0].ContextMap()["stack"] == "" {
		t.Fatalf("log = %+v, want one entry, masked, with its stack", e)
	}
}
