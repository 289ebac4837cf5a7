// Package store keeps the bot's state: conversations (the agent's memory of
// each thread), pending fix proposals, and the Slack event ids already seen.
//
// Store is the interface the bot uses; Memory is the embedded default. It
// imports nothing from the rest of kubertnetes: conversations and previews
// are opaque bytes to it.
//
//	s := store.NewMemory(store.Retention{Events: time.Hour})
//	first, _ := s.MarkSeen(ctx, "Ev0123")
//	if !first {
//		return // a Slack retry of an event already handled
//	}
package store
