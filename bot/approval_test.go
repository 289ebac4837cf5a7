package bot

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
)

const requester = "UREQUEST1"

// proposed starts a bot whose brain proposes a fix for every question, asks
// one, and returns the proposal message.
func proposed(t *testing.T, s setup, groups map[string][]string) (*harness, slacktest.Message) {
	t.Helper()
	h := start(t, s)
	for id, users := range groups {
		h.slack.DefineUserGroup(id, users...)
	}
	h.brain.set(func(b *echoBrain) {
		b.before = func(q string, emit func(agent.Event)) { emit(agent.ProposalEvent{Proposal: proposal("fix-"+q, "web")}) }
	})
	root := h.slack.Mention("C1", requester, "p1")
	return h, h.botMessage(t, "C1", root, "Proposed fix")
}

func TestWhoMayApprove(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		groups  map[string][]string
		clicker string
		action  string
		refusal string // "" means the click is honoured
	}{
		{"listed user", Config{Approvers: []string{"UAPPROVE1"}}, nil, "UAPPROVE1", actionApprove, ""},
		{"member of a listed user group", Config{Approvers: []string{"UAPPROVE1", "S0SRE"}}, map[string][]string{"S0SRE": {"UMEMBER1", "UMEMBER2"}}, "UMEMBER2", actionApprove, ""},
		{"outsider", Config{Approvers: []string{"UAPPROVE1", "S0SRE"}}, map[string][]string{"S0SRE": {"UMEMBER1"}}, "UOUTSIDE1", actionApprove, "not allowed to approve"},
		{"outsider rejecting", Config{Approvers: []string{"UAPPROVE1"}}, nil, "UOUTSIDE1", actionReject, "not allowed to approve"},
		{"nobody when no approvers", Config{}, nil, "UAPPROVE1", actionApprove, "not allowed to approve"},
		{"group Slack cannot read fails closed", Config{Approvers: []string{"S0GONE"}}, nil, "UMEMBER1", actionApprove, "could not check"},
		{"requester approving own fix when forbidden", Config{Approvers: []string{requester}, RequesterCannotApprove: true}, nil, requester, actionApprove, "someone else must approve"},
		{"requester rejecting own fix when forbidden", Config{Approvers: []string{requester}, RequesterCannotApprove: true}, nil, requester, actionReject, ""},
		{"requester approving own fix by default", Config{Approvers: []string{requester}}, nil, requester, actionApprove, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, prop := proposed(t, setup{cfg: tt.cfg}, tt.groups)
			h.slack.ClickButton("C1", prop.TS, tt.clicker, tt.action)
			if tt.refusal != "" {
				h.ephemeral(t, "C1", tt.clicker, tt.refusal)
				h.settle(t)
				if n := h.applier.count(); n != 0 {
					t.Errorf("applied %d times after a refused click", n)
				}
				if m := h.botMessage(t, "C1", prop.ThreadTS, "Proposed fix"); m.Edits != 0 {
					t.Errorf("a refused click edited the proposal: %s", m.Text)
				}
				return
			}
			want := map[string]string{actionApprove: "Applied by <@" + tt.clicker + ">", actionReject: "Rejected by <@" + tt.clicker + ">"}[tt.action]
			h.botMessage(t, "C1", prop.ThreadTS, want)
			if wantApplied := map[string]int{actionApprove: 1, actionReject: 0}[tt.action]; h.applier.count() != wantApplied {
				t.Errorf("applied %d times, want %d", h.applier.count(), wantApplied)
			}
		})
	}
}

func TestGroupMembersAreLookedUpOnceForManyClicks(t *testing.T) {
	h, prop := proposed(t, setup{cfg: Config{Approvers: []string{"S0SRE"}}}, map[string][]string{"S0SRE": {"UMEMBER1"}})
	h.slack.ClickButton("C1", prop.TS, "UOUTSIDE1", actionApprove)
	h.slack.ClickButton("C1", prop.TS, "UOUTSIDE2", actionApprove)
	h.ephemeral(t, "C1", "UOUTSIDE1", "not allowed")
	h.ephemeral(t, "C1", "UOUTSIDE2", "not allowed")
	h.slack.ClickButton("C1", prop.TS, "UMEMBER1", actionApprove)
	h.botMessage(t, "C1", prop.ThreadTS, "Applied by <@UMEMBER1>")
	if n := h.slack.Calls("usergroups.users.list"); n != 1 {
		t.Errorf("usergroups.users.list called %d times for 3 clicks within a minute, want 1 (cached)", n)
	}
}

func TestConcurrentApprovesApplyOnce(t *testing.T) {
	h := startBot(t, Config{Approvers: []string{"UAPPROVE1", "UAPPROVE2"}})
	release := h.applier.hold() // the first approval is still being applied when the others arrive
	h.brain.set(func(b *echoBrain) {
		b.before = func(q string, emit func(agent.Event)) { emit(agent.ProposalEvent{Proposal: proposal("fix-1", "web")}) }
	})
	root := h.slack.Mention("C1", requester, "fix it")
	prop := h.botMessage(t, "C1", root, "Proposed fix")
	// Three clicks on the proposal as it is shown, before the bot updates it.
	seen := h.slack.View("C1", prop.TS)
	var wg sync.WaitGroup
	for _, u := range []string{"UAPPROVE1", "UAPPROVE2", "UAPPROVE1"} {
		wg.Go(func() { h.slack.ClickFrom(seen, u, actionApprove) })
	}
	wg.Wait()
	refused := func() int {
		n := 0
		for _, e := range h.slack.Ephemerals("C1") {
			if strings.Contains(e.Text, "already") {
				n++
			}
		}
		return n
	}
	h.slack.WaitUntil(t, 10*time.Second, func() bool { return refused() >= 2 }, "two clickers are told the fix is already being applied")
	release()
	h.botMessage(t, "C1", root, "Applied by")
	h.settle(t)
	if n := h.applier.count(); n != 1 {
		t.Errorf("applied %d times for three concurrent clicks, want 1", n)
	}
	if n := refused(); n != 2 {
		t.Errorf("%d clickers were told it was already being applied or decided, want 2", n)
	}
}

func TestExpiredProposalIsRefusedWithAnOfferToProposeAgain(t *testing.T) {
	clock := newFakeClock()
	h, prop := proposed(t, setup{cfg: Config{Approvers: []string{"UAPPROVE1"}, ProposalTTL: time.Minute}, clock: clock}, nil)
	clock.advance(time.Minute + time.Second)
	h.slack.ClickButton("C1", prop.TS, "UAPPROVE1", actionApprove)
	h.ephemeral(t, "C1", "UAPPROVE1", "has expired")
	updated := h.slack.WaitForMessage(t, "C1", prop.ThreadTS, func(m slacktest.Message) bool {
		return m.TS == prop.TS && strings.Contains(string(m.BlocksJSON), "Expired")
	}, 10*time.Second)
	if strings.Contains(string(updated.BlocksJSON), actionApprove) {
		t.Errorf("the expired proposal still has its buttons: %s", updated.BlocksJSON)
	}
	if !strings.Contains(string(updated.BlocksJSON), "propose it again") {
		t.Errorf("the expired proposal does not offer to propose it again: %s", updated.BlocksJSON)
	}
	if n := h.applier.count(); n != 0 {
		t.Errorf("an expired proposal was applied %d times", n)
	}
}
