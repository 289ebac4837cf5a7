// Package safe turns a panic in work driven by hostile input (a model's
// arguments, a cluster object, a pod's log) into an error of that one
// operation, logged with its stack, so that the process and every other
// thread live on.
//
//	err := safe.Call(log, "verify fix-1", func() error { return verify(ctx) })
//	if errors.Is(err, safe.ErrPanic) { /* tell the thread it failed */ }
package safe
