package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// clock is a settable time source shared by a store under test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testStore is a Store with a settable clock and a count of what it holds.
type testStore interface {
	Store
	Close() error
	size() (conversations, proposals, seen int)
}

// implementations are the stores every behaviour test runs against: they
// must behave the same.
var implementations = []struct {
	name string
	open func(t *testing.T, r Retention, c *clock) testStore
}{
	{"memory", func(_ *testing.T, r Retention, c *clock) testStore {
		m := NewMemory(r)
		m.now = c.Now
		return m
	}},
	{"bolt", func(t *testing.T, r Retention, c *clock) testStore {
		b, err := OpenBolt(filepath.Join(t.TempDir(), "state.db"), r)
		if err != nil {
			t.Fatal(err)
		}
		b.now = c.Now
		t.Cleanup(func() { _ = b.Close() })
		return b
	}},
}

// forEach runs test against every implementation with a fresh store.
func forEach(t *testing.T, r Retention, test func(t *testing.T, s testStore, c *clock)) {
	t.Helper()
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			c := &clock{now: time.Now().Truncate(time.Second)}
			test(t, impl.open(t, r, c), c)
		})
	}
}

func TestMarkSeen(t *testing.T) {
	tests := []struct {
		name  string
		steps []func(s testStore, c *clock) (bool, error)
		want  []bool
	}{
		{"first time only", []func(testStore, *clock) (bool, error){
			seen("Ev1"), seen("Ev1"), seen("Ev2"), seen("Ev1"),
		}, []bool{true, false, true, false}},
		{"forgotten after the retention", []func(testStore, *clock) (bool, error){
			seen("Ev1"), wait(59 * time.Second), seen("Ev1"), wait(2 * time.Second), seen("Ev1"), seen("Ev1"),
		}, []bool{true, true, false, true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEach(t, Retention{Events: time.Minute}, func(t *testing.T, s testStore, c *clock) {
				var got []bool
				for _, step := range tt.steps {
					first, err := step(s, c)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, first)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("MarkSeen results (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func seen(id string) func(testStore, *clock) (bool, error) {
	return func(s testStore, _ *clock) (bool, error) { return s.MarkSeen(context.Background(), id) }
}

// wait advances the clock; its result is true so tables read naturally.
func wait(d time.Duration) func(testStore, *clock) (bool, error) {
	return func(_ testStore, c *clock) (bool, error) { c.Advance(d); return true, nil }
}

func TestConversation(t *testing.T) {
	ctx := context.Background()
	forEach(t, Retention{Conversations: time.Hour}, func(t *testing.T, s testStore, c *clock) {
		if _, err := s.Conversation(ctx, "C1/1.0"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("missing conversation: err = %v, want ErrNotFound", err)
		}
		data := []byte(`{"messages":[]}`)
		if err := s.SaveConversation(ctx, "C1/1.0", data); err != nil {
			t.Fatal(err)
		}
		data[0] = 'X'
		got, err := s.Conversation(ctx, "C1/1.0")
		if err != nil || string(got) != `{"messages":[]}` {
			t.Fatalf("got %q, %v: the store must keep its own copy", got, err)
		}
		got[0] = 'Y'
		if again, _ := s.Conversation(ctx, "C1/1.0"); string(again) != `{"messages":[]}` {
			t.Fatalf("got %q after changing a returned copy", again)
		}

		// A conversation lives for the retention after its last save.
		c.Advance(50 * time.Minute)
		_ = s.SaveConversation(ctx, "C1/1.0", []byte("v2"))
		c.Advance(50 * time.Minute)
		if got, err := s.Conversation(ctx, "C1/1.0"); err != nil || string(got) != "v2" {
			t.Fatalf("50 minutes after its last save: %q, %v; want v2", got, err)
		}
		c.Advance(11 * time.Minute)
		if _, err := s.Conversation(ctx, "C1/1.0"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("61 minutes after its last save: err = %v, want ErrNotFound", err)
		}
	})
}

func TestProposalRoundTripAndRetention(t *testing.T) {
	ctx := context.Background()
	forEach(t, Retention{Proposals: 24 * time.Hour}, func(t *testing.T, s testStore, c *clock) {
		want := Proposal{
			ID: "fix-1", Conversation: "C1/1.0", Channel: "C1", ThreadTS: "1.0", MessageTS: "2.0", Requester: "U1",
			Preview: []byte(`{"diff":"-a\n+b"}`), State: Pending, CreatedAt: c.Now(),
		}
		if err := s.SaveProposal(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Proposal(ctx, "fix-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if err := s.SaveProposal(ctx, Proposal{}); err == nil {
			t.Error("a proposal without an id was saved")
		}
		if err := s.SaveProposal(ctx, Proposal{ID: "fix-2", State: Pending}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.Proposal(ctx, "fix-2"); !p.CreatedAt.Equal(c.Now()) {
			t.Errorf("CreatedAt = %v, want it stamped with now (%v)", p.CreatedAt, c.Now())
		}
		if ok, err := s.Transition(ctx, "fix-1", Pending, Rejected, "U2"); !ok || err != nil {
			t.Fatalf("reject: %v, %v", ok, err)
		}
		c.Advance(25 * time.Hour)
		for _, id := range []string{"fix-1", "fix-2"} { // decided or not
			if _, err := s.Proposal(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s after the retention: err = %v, want ErrNotFound", id, err)
			}
			if _, err := s.Transition(ctx, id, Pending, Applying, "U2"); !errors.Is(err, ErrNotFound) {
				t.Errorf("transition of %s after the retention: err = %v, want ErrNotFound", id, err)
			}
		}
	})
}

func TestTransition(t *testing.T) {
	tests := []struct {
		name      string
		id        string
		from, to  State
		wantMoved bool
		wantState State
		wantErr   error
	}{
		{"from the current state", "fix-1", Pending, Applying, true, Applying, nil},
		{"from another state", "fix-1", Applying, Applied, false, Pending, nil},
		{"unknown proposal", "nope", Pending, Applying, false, Pending, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEach(t, Retention{}, func(t *testing.T, s testStore, _ *clock) {
				ctx := context.Background()
				if err := s.SaveProposal(ctx, Proposal{ID: "fix-1", State: Pending}); err != nil {
					t.Fatal(err)
				}
				moved, err := s.Transition(ctx, tt.id, tt.from, tt.to, "U9")
				if moved != tt.wantMoved || !errors.Is(err, tt.wantErr) {
					t.Fatalf("Transition = %v, %v; want %v, %v", moved, err, tt.wantMoved, tt.wantErr)
				}
				p, _ := s.Proposal(ctx, "fix-1")
				if p.State != tt.wantState {
					t.Errorf("state = %s, want %s", p.State, tt.wantState)
				}
				if moved && p.DecidedBy != "U9" {
					t.Errorf("DecidedBy = %q, want U9", p.DecidedBy)
				}
			})
		})
	}
}

func TestTransitionAppliesOnceUnderConcurrentClicks(t *testing.T) {
	forEach(t, Retention{}, func(t *testing.T, s testStore, _ *clock) {
		ctx := context.Background()
		if err := s.SaveProposal(ctx, Proposal{ID: "fix-1", State: Pending}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wins := make(chan string, 20)
		for range 20 {
			wg.Go(func() {
				if ok, err := s.Transition(ctx, "fix-1", Pending, Applying, "U1"); err == nil && ok {
					wins <- "won"
				}
			})
		}
		wg.Wait()
		close(wins)
		if n := len(wins); n != 1 {
			t.Fatalf("%d clicks won the transition, want exactly 1", n)
		}
	})
}

func TestPruneDeletesExpiredEntries(t *testing.T) {
	ctx := context.Background()
	forEach(t, Retention{Events: time.Minute, Conversations: time.Hour, Proposals: time.Hour}, func(t *testing.T, s testStore, c *clock) {
		_, _ = s.MarkSeen(ctx, "old-event")
		_ = s.SaveConversation(ctx, "old/1", []byte("x"))
		_ = s.SaveProposal(ctx, Proposal{ID: "old-fix", State: Applied})
		c.Advance(2 * time.Hour)
		_, _ = s.MarkSeen(ctx, "new-event") // a write past the prune interval prunes
		_ = s.SaveConversation(ctx, "new/1", []byte("y"))
		conversations, proposals, seen := s.size()
		if diff := cmp.Diff([3]int{1, 0, 1}, [3]int{conversations, proposals, seen}); diff != "" {
			t.Errorf("entries held [conversations proposals seen] (-want +got):\n%s", diff)
		}
	})
}

// size reports how many entries are held, expired or not (for tests).
func (m *Memory) size() (conversations, proposals, seen int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.conversations), len(m.proposals), len(m.seen)
}

// size reports how many entries are held, expired or not (for tests).
func (b *Bolt) size() (conversations, proposals, seen int) {
	_ = b.db.View(func(tx *bolt.Tx) error {
		conversations = tx.Bucket(bucketConversations).Stats().KeyN
		proposals = tx.Bucket(bucketProposals).Stats().KeyN
		seen = tx.Bucket(bucketSeen).Stats().KeyN
		return nil
	})
	return conversations, proposals, seen
}

// At start, the proposals a stopped process left applying are found, and
// no others (nor expired ones).
func TestProposalsInAState(t *testing.T) {
	ctx := context.Background()
	forEach(t, Retention{Proposals: time.Hour}, func(t *testing.T, s testStore, c *clock) {
		for _, p := range []Proposal{{ID: "old", State: Applying}, {ID: "a", State: Pending}, {ID: "b", State: Applying}, {ID: "c", State: Applied}} {
			p.Preview = []byte(`{}`)
			if err := s.SaveProposal(ctx, p); err != nil {
				t.Fatal(err)
			}
			if p.ID == "old" {
				c.Advance(2 * time.Hour)
			}
		}
		got, err := s.Proposals(ctx, Applying)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != "b" || string(got[0].Preview) != `{}` {
			t.Errorf("applying = %+v, want only b", got)
		}
	})
}
