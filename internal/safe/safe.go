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
func Call(log *zap.Logger, what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if log != nil {
				log.Error("recovered from a panic", zap.String("in", what), zap.Any("panic", r), zap.Stack("stack"))
			}
			err = fmt.Errorf("%s %w: %v", what, ErrPanic, r)
		}
	}()
	return fn()
}
