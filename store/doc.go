// Package store keeps the bot's state: conversations (the agent's memory of
// each thread), fix proposals and their decisions, and the Slack event ids
// already handled.
//
// Store is the interface the bot uses. Bolt is the embedded default: one
// bbolt file, no server. Memory holds the same in the process, for tests
// and for KUBERTNETES_STATE=memory. Both keep things for a Retention and
// behave the same (one table of tests runs against both). The package
// imports nothing from the rest of kubertnetes: conversations and previews
// are opaque bytes to it.
//
//	s, err := store.OpenBolt("/var/lib/kubertnetes/state.db", store.Retention{})
//	if errors.Is(err, store.ErrLocked) {
//		return err // another kubertnetes holds the file
//	}
//	defer s.Close()
//	first, _ := s.MarkSeen(ctx, "Ev0123")
//	if !first {
//		return // a Slack retry of an event already handled
//	}
//
// # Why bbolt
//
// The state is a few small key-value tables read and written by one
// process, and the operation that matters is "compare the proposal's state
// and move it" under concurrent clicks. bbolt (go.etcd.io/bbolt, the store
// under etcd) fits that exactly: a single file; serializable read-write
// transactions, so Transition is one transaction and nothing else; fsync on
// every commit, so kill -9 loses nothing that was acknowledged; an OS file
// lock, so a second process gets a clear error instead of corrupting the
// file; pure Go with no CGO, and one small dependency (golang.org/x/sys).
// A pure-Go SQLite (modernc.org/sqlite) would also work, but it is a C
// library transpiled to Go — tens of MB of generated code and several
// extra modules — for SQL and queries this package never needs.
package store
