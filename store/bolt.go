package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bolt is a Store in one bbolt file: every write is a transaction synced to
// disk before it returns, so a killed process loses nothing it reported
// saved. One process at a time holds the file (an OS file lock).
type Bolt struct {
	db        *bolt.DB
	retention Retention
	now       func() time.Time

	mu        sync.Mutex // guards lastPrune
	lastPrune time.Time
}

var _ Store = (*Bolt)(nil)

var (
	bucketMeta          = []byte("meta")
	bucketConversations = []byte("conversations") // key → 8-byte update time + bytes
	bucketProposals     = []byte("proposals")     // id → Proposal as JSON
	bucketSeen          = []byte("seen")          // id → 8-byte time first seen
	keyVersion          = []byte("version")
)

const (
	schemaVersion = "1"
	// lockTimeout is how long OpenBolt waits for another process to let go.
	lockTimeout = time.Second
)

// OpenBolt opens (creating it and its directory if needed) the bbolt file
// at path. A file held by another process fails after a second with an
// error wrapping ErrLocked. Close releases it.
func OpenBolt(path string, r Retention) (*Bolt, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("state file %s is %w (another kubertnetes serve?)", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketConversations, bucketProposals, bucketSeen} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get(keyVersion); {
		case v == nil:
			return meta.Put(keyVersion, []byte(schemaVersion))
		case string(v) != schemaVersion:
			return fmt.Errorf("schema version %s; this kubertnetes reads version %s", v, schemaVersion)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("state file %s: %w", path, err)
	}
	return &Bolt{db: db, retention: r.withDefaults(), now: time.Now}, nil
}

// Close releases the file.
func (b *Bolt) Close() error { return b.db.Close() }

// Conversation implements Store.
func (b *Bolt) Conversation(_ context.Context, key string) ([]byte, error) {
	var out []byte
	err := b.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketConversations).Get([]byte(key))
		if len(v) < 8 || expired(stampOf(v), b.now(), b.retention.Conversations) {
			return fmt.Errorf("conversation %q: %w", key, ErrNotFound)
		}
		out = append([]byte(nil), v[8:]...) // v is only valid inside the transaction
		return nil
	})
	return out, err
}

// SaveConversation implements Store.
func (b *Bolt) SaveConversation(_ context.Context, key string, data []byte) error {
	v := append(stamp(b.now()), data...)
	err := b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketConversations).Put([]byte(key), v) })
	if err != nil {
		return fmt.Errorf("save conversation %q: %w", key, err)
	}
	b.maybePrune()
	return nil
}

// Proposal implements Store.
func (b *Bolt) Proposal(_ context.Context, id string) (Proposal, error) {
	var p Proposal
	err := b.db.View(func(tx *bolt.Tx) error {
		var err error
		p, err = b.proposal(tx, id)
		return err
	})
	return p, err
}

func (b *Bolt) proposal(tx *bolt.Tx, id string) (Proposal, error) {
	v := tx.Bucket(bucketProposals).Get([]byte(id))
	if v == nil {
		return Proposal{}, fmt.Errorf("proposal %q: %w", id, ErrNotFound)
	}
	var p Proposal
	if err := json.Unmarshal(v, &p); err != nil {
		return Proposal{}, fmt.Errorf("decode proposal %q: %w", id, err)
	}
	if expired(p.CreatedAt, b.now(), b.retention.Proposals) {
		return Proposal{}, fmt.Errorf("proposal %q: %w", id, ErrNotFound)
	}
	return p, nil
}

// SaveProposal implements Store.
func (b *Bolt) SaveProposal(_ context.Context, p Proposal) error {
	if p.ID == "" {
		return fmt.Errorf("save proposal: no id")
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = b.now()
	}
	v, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode proposal %q: %w", p.ID, err)
	}
	if err := b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketProposals).Put([]byte(p.ID), v) }); err != nil {
		return fmt.Errorf("save proposal %q: %w", p.ID, err)
	}
	b.maybePrune()
	return nil
}

// Transition implements Store: bbolt runs one write transaction at a time,
// so the read, the comparison and the write cannot interleave with another
// click's.
func (b *Bolt) Transition(_ context.Context, id string, from, to State, by string) (bool, error) {
	moved := false
	err := b.db.Update(func(tx *bolt.Tx) error {
		p, err := b.proposal(tx, id)
		if err != nil || p.State != from {
			return err
		}
		p.State = to
		if by != "" {
			p.DecidedBy = by
		}
		v, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("encode proposal %q: %w", id, err)
		}
		moved = true
		return tx.Bucket(bucketProposals).Put([]byte(id), v)
	})
	if err != nil {
		return false, err
	}
	return moved, nil
}

// Proposals implements Store. A record that cannot be decoded is skipped:
// it cannot be in any state.
func (b *Bolt) Proposals(_ context.Context, state State) ([]Proposal, error) {
	var out []Proposal
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketProposals).ForEach(func(k, _ []byte) error {
			if p, err := b.proposal(tx, string(k)); err == nil && p.State == state {
				out = append(out, p)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list %s proposals: %w", state, err)
	}
	return out, nil
}

// MarkSeen implements Store.
func (b *Bolt) MarkSeen(_ context.Context, id string) (bool, error) {
	first := false
	err := b.db.Update(func(tx *bolt.Tx) error {
		seen := tx.Bucket(bucketSeen)
		now := b.now()
		if v := seen.Get([]byte(id)); len(v) == 8 && !expired(stampOf(v), now, b.retention.Events) {
			return nil
		}
		first = true
		return seen.Put([]byte(id), stamp(now))
	})
	if err != nil {
		return false, fmt.Errorf("mark %q seen: %w", id, err)
	}
	b.maybePrune()
	return first, nil
}

// maybePrune deletes expired entries, at most every pruneEvery. A failure
// is left for the next attempt: expired entries already read as absent.
func (b *Bolt) maybePrune() {
	b.mu.Lock()
	now := b.now()
	due := now.Sub(b.lastPrune) >= b.retention.pruneEvery()
	if due {
		b.lastPrune = now
	}
	b.mu.Unlock()
	if due {
		_ = b.prune(now)
	}
}

// prune deletes everything past its retention in one transaction.
func (b *Bolt) prune(now time.Time) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		if err := deleteWhere(tx.Bucket(bucketSeen), func(v []byte) bool {
			return len(v) != 8 || expired(stampOf(v), now, b.retention.Events)
		}); err != nil {
			return err
		}
		if err := deleteWhere(tx.Bucket(bucketConversations), func(v []byte) bool {
			return len(v) < 8 || expired(stampOf(v), now, b.retention.Conversations)
		}); err != nil {
			return err
		}
		return deleteWhere(tx.Bucket(bucketProposals), func(v []byte) bool {
			var p struct {
				CreatedAt time.Time `json:"createdAt"`
			}
			return json.Unmarshal(v, &p) != nil || expired(p.CreatedAt, now, b.retention.Proposals)
		})
	})
}

// deleteWhere deletes the bucket's keys whose value matches. Keys are
// collected first: deleting under a live cursor can skip entries.
func deleteWhere(bk *bolt.Bucket, match func(v []byte) bool) error {
	var doomed [][]byte
	if err := bk.ForEach(func(k, v []byte) error {
		if match(v) {
			doomed = append(doomed, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range doomed {
		if err := bk.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func stamp(t time.Time) []byte { return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())) }

func stampOf(v []byte) time.Time { return time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))) }
