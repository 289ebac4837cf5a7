package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
)

func TestWhoMayAsk(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		groups  map[string][]string
		channel string
		user    string
		refusal string // "" means the question is answered
	}{
		{"anyone by default", Config{}, nil, "C1", "UANYONE1", ""},
		{"a listed asker", Config{Askers: []string{"UASK1"}}, nil, "C1", "UASK1", ""},
		{"a member of a listed group", Config{Askers: []string{"S0SRE"}}, map[string][]string{"S0SRE": {"UMEMBER1"}}, "C1", "UMEMBER1", ""},
		{"someone else", Config{Askers: []string{"UASK1", "S0SRE"}}, map[string][]string{"S0SRE": {"UMEMBER1"}}, "C1", "UOTHER1", "I only answer the people an admin has listed"},
		{"a group Slack cannot read fails closed", Config{Askers: []string{"S0GONE"}}, nil, "C1", "UMEMBER1", "could not check whether you may ask"},
		{"a DM by default", Config{}, nil, "D0DM1", "UANYONE1", "I do not answer direct messages here"},
		{"a DM when allowed", Config{AllowDMs: true}, nil, "D0DM1", "UANYONE1", ""},
		{"a DM when allowed, from someone not listed", Config{AllowDMs: true, Askers: []string{"UASK1"}}, nil, "D0DM1", "UOTHER1", "I only answer the people an admin has listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startBot(t, tt.cfg)
			for id, users := range tt.groups {
				h.slack.DefineUserGroup(id, users...)
			}
			root := h.slack.Mention(tt.channel, tt.user, "what is failing?")
			if tt.refusal == "" {
				h.waitAnswers(t, tt.channel, root, 1)
				return
			}
			h.botMessage(t, tt.channel, root, tt.refusal)
			h.slack.ReplyInThread(tt.channel, root, tt.user, "stop")
			h.slack.MentionInThread(tt.channel, root, tt.user, "and now?")
			h.settle(t)
			if q := h.brain.questions(); len(q) != 0 {
				t.Errorf("the bot investigated %q for someone who may not ask", q)
			}
			said := 0
			for _, m := range h.slack.Thread(tt.channel, root) {
				if m.BotID != "" {
					said++
				}
			}
			if said != 1 {
				t.Errorf("the bot posted %d messages in the thread, want the one refusal", said)
			}
		})
	}
}

func TestApprovalsInADirectMessage(t *testing.T) {
	for _, allowed := range []bool{false, true} {
		t.Run(map[bool]string{false: "refused by default", true: "taken when allowed"}[allowed], func(t *testing.T) {
			h := start(t, setup{cfg: Config{Approvers: []string{"UAPPROVE1"}, AllowDMs: true, DMApprovals: allowed}})
			h.brain.set(func(b *echoBrain) {
				b.before = func(q string, emit func(agent.Event)) { emit(agent.ProposalEvent{Proposal: proposal("fix-dm", "web")}) }
			})
			root := h.slack.Post("D0DM1", "UAPPROVE1", "fix it")
			prop := h.botMessage(t, "D0DM1", root, "Proposed fix")
			h.slack.ClickButton("D0DM1", prop.TS, "UAPPROVE1", actionApprove)
			if allowed {
				h.botMessage(t, "D0DM1", root, "Applied by <@UAPPROVE1>")
				return
			}
			h.ephemeral(t, "D0DM1", "UAPPROVE1", "approve in a channel where others can see it")
			h.settle(t)
			if n := h.applier.count(); n != 0 {
				t.Errorf("an approval in a DM applied the fix %d times", n)
			}
			h.slack.ClickButton("D0DM1", prop.TS, "UAPPROVE1", actionReject) // rejecting stays possible
			h.slack.WaitForMessage(t, "D0DM1", root, func(m slacktest.Message) bool {
				return m.TS == prop.TS && strings.Contains(string(m.BlocksJSON), "Rejected by")
			}, 10*time.Second)
		})
	}
}
