package store

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"
)

// Memory is an in-process Store for tests and for KUBERTNETES_STATE=memory.
// State does not survive a restart.
type Memory struct {
	mu            sync.Mutex
	conversations map[string]stamped
	proposals     map[string]Proposal
	seen          map[string]time.Time
	retention     Retention
	now           func() time.Time
	lastPrune     time.Time
}

type stamped struct {
	data    []byte
	updated time.Time
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory(r Retention) *Memory {
	return &Memory{
		conversations: map[string]stamped{},
		proposals:     map[string]Proposal{},
		seen:          map[string]time.Time{},
		retention:     r.withDefaults(),
		now:           time.Now,
	}
}

// Close implements io.Closer; there is nothing to release.
func (m *Memory) Close() error { return nil }

// Conversation implements Store.
func (m *Memory) Conversation(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conversations[key]
	if !ok || expired(c.updated, m.now(), m.retention.Conversations) {
		return nil, fmt.Errorf("conversation %q: %w", key, ErrNotFound)
	}
	return append([]byte(nil), c.data...), nil
}

// SaveConversation implements Store.
func (m *Memory) SaveConversation(_ context.Context, key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conversations[key] = stamped{data: append([]byte(nil), data...), updated: m.now()}
	m.pruneLocked()
	return nil
}

// Proposal implements Store.
func (m *Memory) Proposal(_ context.Context, id string) (Proposal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.proposalLocked(id)
}

func (m *Memory) proposalLocked(id string) (Proposal, error) {
	p, ok := m.proposals[id]
	if !ok || expired(p.CreatedAt, m.now(), m.retention.Proposals) {
		return Proposal{}, fmt.Errorf("proposal %q: %w", id, ErrNotFound)
	}
	p.Preview = append([]byte(nil), p.Preview...)
	return p, nil
}

// SaveProposal implements Store.
func (m *Memory) SaveProposal(_ context.Context, p Proposal) error {
	if p.ID == "" {
		return fmt.Errorf("save proposal: no id")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = m.now()
	}
	p.Preview = append([]byte(nil), p.Preview...)
	m.proposals[p.ID] = p
	m.pruneLocked()
	return nil
}

// Transition implements Store.
func (m *Memory) Transition(_ context.Context, id string, from, to State, by string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, err := m.proposalLocked(id)
	if err != nil {
		return false, err
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

// Proposals implements Store.
func (m *Memory) Proposals(_ context.Context, state State) ([]Proposal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Proposal
	for id, p := range m.proposals {
		if p.State == state {
			if p, err := m.proposalLocked(id); err == nil {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// MarkSeen implements Store.
func (m *Memory) MarkSeen(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if t, ok := m.seen[id]; ok && !expired(t, now, m.retention.Events) {
		return false, nil
	}
	m.seen[id] = now
	m.pruneLocked()
	return true, nil
}

// pruneLocked deletes expired entries, at most every pruneEvery.
func (m *Memory) pruneLocked() {
	now := m.now()
	if now.Sub(m.lastPrune) < m.retention.pruneEvery() {
		return
	}
	m.lastPrune = now
	maps.DeleteFunc(m.seen, func(_ string, t time.Time) bool { return expired(t, now, m.retention.Events) })
	maps.DeleteFunc(m.conversations, func(_ string, c stamped) bool { return expired(c.updated, now, m.retention.Conversations) })
	maps.DeleteFunc(m.proposals, func(_ string, p Proposal) bool { return expired(p.CreatedAt, now, m.retention.Proposals) })
}
