package safe

import (
	"errors"
	"fmt"

	"go.uber.org/zap"
)

// ErrPanic is wrapped by the error Call returns for a panic.
var ErrPanic = errors.New("panicked")

// Call runs fn and returns its error; a panic in fn is logged at error
// level with its stack (zap's "stack" field) and returned as an error
// wrapping ErrPanic. Call it at the top of every goroutine, and around
// every call, that runs model- or cluster-driven work. A nil log logs
// nothing.
func Call(log *zap.Logger, what string, fn func() error) error {
	return CallRedacted(log, nil, what, fn)
}

// CallRedacted is Call for work whose panic values may carry what it read
// (an object's fields, a log line): redact masks the value before it is
// logged or returned. A nil redact keeps it as is.
func CallRedacted(log *zap.Logger, redact func(string) string, what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			if redact != nil {
				msg = redact(msg)
			}
			if log != nil {
				log.Error("recovered from a panic", zap.String("in", what), zap.String("panic", msg), zap.Stack("stack"))
			}
			err = fmt.Errorf("%s %w: %s", what, ErrPanic, msg)
		}
	}()
	return fn()
}
