package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Retention bounds how long Memory keeps things.
type Retention struct {
	// Events is how long seen event ids are remembered (default 1 hour;
	// Slack retries within minutes).
	Events time.Duration
}

// Memory is an in-process Store. State does not survive a restart.
type Memory struct {
	mu            sync.Mutex
	conversations map[string][]byte
	proposals     map[string]Proposal
	seen          map[string]time.Time
	retention     Retention
	now           func() time.Time
	lastPrune     time.Time
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory(r Retention) *Memory {
	if r.Events <= 0 {
		r.Events = time.Hour
	}
	return &Memory{
		conversations: map[string][]byte{},
		proposals:     map[string]Proposal{},
		seen:          map[string]time.Time{},
		retention:     r,
		now:           time.Now,
	}
}

// Conversation implements Store.
func (m *Memory) Conversation(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.conversations[key]
	if !ok {
		return nil, fmt.Errorf("conversation %q: %w", key, ErrNotFound)
	}
	return append([]byte(nil), b...), nil
}

// SaveConversation implements Store.
func (m *Memory) SaveConversation(_ context.Context, key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conversations[key] = append([]byte(nil), data...)
	return nil
}

// Proposal implements Store.
func (m *Memory) Proposal(_ context.Context, id string) (Proposal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.proposals[id]
	if !ok {
		return Proposal{}, fmt.Errorf("proposal %q: %w", id, ErrNotFound)
	}
	return p, nil
}

// SaveProposal implements Store.
func (m *Memory) SaveProposal(_ context.Context, p Proposal) error {
	if p.ID == "" {
		return fmt.Errorf("save proposal: no id")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.proposals[p.ID] = p
	return nil
}

// Transition implements Store.
func (m *Memory) Transition(_ context.Context, id string, from, to State, by string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.proposals[id]
	if !ok {
		return false, fmt.Errorf("proposal %q: %w", id, ErrNotFound)
	}
	if p.State != from {
		return false, nil
	}
	p.State = to
	if by != "" {
		p.DecidedBy = by
	}
	m.proposals[id] = p
	return true, nil
}

// MarkSeen implements Store.
func (m *Memory) MarkSeen(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Sub(m.lastPrune) > m.retention.Events/4 {
		for k, t := range m.seen {
			if now.Sub(t) > m.retention.Events {
				delete(m.seen, k)
			}
		}
		m.lastPrune = now
	}
	if _, ok := m.seen[id]; ok {
		return false, nil
	}
	m.seen[id] = now
	return true, nil
}
