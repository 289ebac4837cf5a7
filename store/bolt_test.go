package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBoltKeepsEverythingAcrossReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "state.db")
	b, err := OpenBolt(path, Retention{})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = b.MarkSeen(ctx, "Ev1")
	_ = b.SaveConversation(ctx, "C1/1.0", []byte("memory"))
	_ = b.SaveProposal(ctx, Proposal{ID: "fix-1", State: Pending, Preview: []byte("{}")})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b, err = OpenBolt(path, Retention{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if first, _ := b.MarkSeen(ctx, "Ev1"); first {
		t.Error("a seen event id was forgotten across a reopen")
	}
	if got, err := b.Conversation(ctx, "C1/1.0"); err != nil || string(got) != "memory" {
		t.Errorf("conversation after reopen = %q, %v", got, err)
	}
	if ok, err := b.Transition(ctx, "fix-1", Pending, Applying, "U1"); !ok || err != nil {
		t.Errorf("transition after reopen = %v, %v", ok, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode = %v, %v; want 0600 (it holds conversations)", info.Mode(), err)
	}
}

func TestBoltHeldByAnotherOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	b, err := OpenBolt(path, Retention{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := time.Now()
	_, err = OpenBolt(path, Retention{}) // a second open takes its own flock
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("gave up after %v, want about %v", d, lockTimeout)
	}
}

func TestBoltRefusesAFileThatIsNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := OpenBolt(path, Retention{}); err == nil {
		b.Close()
		t.Fatal("opened a file that is not a bbolt database")
	}
}

// BenchmarkMarkSeen is the store's cost per Slack event: one durable write.
func BenchmarkMarkSeen(b *testing.B) {
	ctx := context.Background()
	for _, impl := range []struct {
		name string
		open func(b *testing.B) Store
	}{
		{"memory", func(*testing.B) Store { return NewMemory(Retention{}) }},
		{"bolt", func(b *testing.B) Store {
			s, err := OpenBolt(filepath.Join(b.TempDir(), "state.db"), Retention{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}},
	} {
		b.Run(impl.name, func(b *testing.B) {
			s := impl.open(b)
			i := 0
			for b.Loop() {
				if _, err := s.MarkSeen(ctx, fmt.Sprintf("Ev%08d", i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkSaveConversation is the cost of one checkpoint of a 64 KiB
// conversation (a few tool results).
func BenchmarkSaveConversation(b *testing.B) {
	s, err := OpenBolt(filepath.Join(b.TempDir(), "state.db"), Retention{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := []byte(strings.Repeat("x", 64<<10))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := s.SaveConversation(context.Background(), "C1/1.0", data); err != nil {
			b.Fatal(err)
		}
	}
}
