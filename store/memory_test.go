package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestMarkSeenOncePerIDAndForgetsAfterRetention(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Retention{Events: time.Minute})
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m.now = func() time.Time { return clock }
	for i, want := range []bool{true, false, false} {
		got, err := m.MarkSeen(ctx, "Ev1")
		if err != nil || got != want {
			t.Fatalf("call %d: MarkSeen = %v, %v; want %v", i, got, err, want)
		}
	}
	clock = clock.Add(2 * time.Minute)
	if first, _ := m.MarkSeen(ctx, "Ev1"); !first {
		t.Fatal("an id older than the retention should be forgotten")
	}
}

func TestTransitionAppliesOnceUnderConcurrentClicks(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Retention{})
	if err := m.SaveProposal(ctx, Proposal{ID: "fix-1", State: Pending}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wins := make(chan string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := m.Transition(ctx, "fix-1", Pending, Applying, "U1")
			if err == nil && ok {
				wins <- "won"
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d clicks won the transition, want exactly 1", n)
	}
	if _, err := m.Transition(ctx, "nope", Pending, Applying, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown proposal: err = %v, want ErrNotFound", err)
	}
}

func TestConversationRoundTripCopies(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(Retention{})
	if _, err := m.Conversation(ctx, "C1/1.0"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing conversation: err = %v", err)
	}
	data := []byte(`{"messages":[]}`)
	_ = m.SaveConversation(ctx, "C1/1.0", data)
	data[0] = 'X'
	got, err := m.Conversation(ctx, "C1/1.0")
	if err != nil || string(got) != `{"messages":[]}` {
		t.Fatalf("got %q, %v: the store must keep its own copy", got, err)
	}
}
