package bot

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
	"github.com/kubertnetes/kubertnetes/store"
)

// crashable is a store that can "die": after crash it silently drops every
// write, as a killed process would never make them.
type crashable struct {
	store.Store
	dead atomic.Bool
}

func (c *crashable) crash() { c.dead.Store(true) }

func (c *crashable) SaveConversation(ctx context.Context, key string, data []byte) error {
	if c.dead.Load() {
		return nil
	}
	return c.Store.SaveConversation(ctx, key, data)
}

func (c *crashable) SaveProposal(ctx context.Context, p store.Proposal) error {
	if c.dead.Load() {
		return nil
	}
	return c.Store.SaveProposal(ctx, p)
}

func (c *crashable) Transition(ctx context.Context, id string, from, to store.State, by string) (bool, error) {
	if c.dead.Load() {
		return false, nil
	}
	return c.Store.Transition(ctx, id, from, to, by)
}

func (c *crashable) MarkSeen(ctx context.Context, id string) (bool, error) {
	if c.dead.Load() {
		return false, nil
	}
	return c.Store.MarkSeen(ctx, id)
}

func TestCrashMidInvestigationKeepsContextAndButtons(t *testing.T) {
	durable := store.NewMemory(store.Retention{})
	first := &crashable{Store: durable}
	cfg := Config{Approvers: []string{"UAPPROVE1"}}
	h := start(t, setup{cfg: cfg, store: first})
	h.brain.set(func(b *echoBrain) {
		b.delay = time.Minute // the model never answers before the crash
		b.before = func(q string, emit func(agent.Event)) { emit(agent.ProposalEvent{Proposal: proposal("fix-1", "web")}) }
	})
	root := h.slack.Mention("C1", "UHUMAN1", "why is web down?")
	prop := h.botMessage(t, "C1", root, "Proposed fix")
	status := h.botMessage(t, "C1", root, "Investigating")
	h.slack.WaitUntil(t, 10*time.Second, func() bool {
		rec := stored(t, durable, conversationKey("C1", root))
		return rec.Running != nil && slices.Contains(rec.Running.Proposals, "fix-1")
	}, "the checkpoint records proposal fix-1")
	first.crash()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}

	// The same Slack, the same durable state, a new process.
	second := start(t, setup{cfg: cfg, fake: h.slack, store: durable})
	h.slack.ReplyInThread("C1", root, "UHUMAN1", "so what now?")
	got := second.waitAnswers(t, "C1", root, 1)
	// Remembered: the first question, and the note that it was interrupted.
	if want := `answer to "so what now?" (remembered 2)`; got[0] != want {
		t.Errorf("follow-up after the restart = %q, want %q", got[0], want)
	}
	var notes []string
	for _, m := range stored(t, durable, conversationKey("C1", root)).Messages {
		if strings.Contains(m.Content, "interrupted") {
			notes = append(notes, m.Content)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "Proposals posted before the restart (fix-1) can still be approved") {
		t.Errorf("the model is told %q after the restart, want once that its investigation was interrupted and fix-1 can still be approved", notes)
	}
	h.slack.WaitForMessage(t, "C1", root, func(m slacktest.Message) bool {
		return m.TS == status.TS && strings.Contains(m.Text, "Interrupted")
	}, 10*time.Second)
	h.slack.ClickButton("C1", prop.TS, "UAPPROVE1", actionApprove)
	second.botMessage(t, "C1", root, "Applied by <@UAPPROVE1>")
	if n := second.applier.count(); n != 1 {
		t.Errorf("applied %d times after the restart, want 1", n)
	}
}

// stored is a thread's record in the store.
func stored(t *testing.T, st store.Store, key string) threadRecord {
	t.Helper()
	var rec threadRecord
	data, err := st.Conversation(context.Background(), key)
	if err == nil {
		err = json.Unmarshal(data, &rec)
	}
	if err != nil {
		t.Fatalf("load conversation %s: %v", key, err)
	}
	return rec
}
