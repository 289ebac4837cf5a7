package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
)

// The foundation slice: a mention in Slack, an investigation by the model
// through read tools on the real API server, a finding, a proposal with
// buttons, and an approver's click that changes the cluster.
func TestMentionInvestigateProposeApprove(t *testing.T) {
	d := loadDemo(t)
	e := startServe(t)
	scriptInvestigation(e.llm, d.ns)

	root := e.slack.Mention(channel, requester, "why is the app behind crashloop-app not working in namespace "+d.ns+"?")
	e.waitText(t, root, "Investigating")
	e.waitText(t, root, "CrashLoopBackOff", "crashloop-app", "FATAL: LISTEN_PORT")
	prop := e.proposal(t, root)
	e.waitText(t, root, `LISTEN_PORT is "eighty"`)

	// The model saw the real cluster: its second request carries the tool
	// results, the crashed container's log line among them, and nothing of
	// the simulation.
	reqs := e.llm.Requests()
	if len(reqs) < 2 {
		t.Fatalf("the model was called %d times, want at least 2", len(reqs))
	}
	sent := reqs[1].AllText()
	if !strings.Contains(sent, `FATAL: LISTEN_PORT="eighty" is not a port number`) {
		t.Errorf("the tool results sent to the model lack the crash log line:\n%s", sent)
	}
	for _, r := range reqs {
		if strings.Contains(r.AllText(), "kwok.x-k8s.io") {
			t.Errorf("a simulation marker reached the model:\n%s", r.AllText())
		}
	}
	if got := d.listenPort(t); got != "eighty" {
		t.Fatalf("LISTEN_PORT = %q before any approval; the investigation must not change the cluster", got)
	}

	// A double click: both clicks leave Slack before the message changes.
	seen := e.slack.View(channel, prop.TS)
	e.slack.ClickFrom(seen, approver, "kubertnetes_approve")
	e.slack.ClickFrom(seen, approver, "kubertnetes_approve")
	e.waitText(t, root, "Applied by <@"+approver+">")
	waitEphemeral(t, e, approver, "already")
	if got := d.listenPort(t); got != "8080" {
		t.Errorf("after approval LISTEN_PORT = %q, want 8080", got)
	}
	updated := e.slack.WaitForMessage(t, channel, root, func(m slacktest.Message) bool {
		return m.TS == prop.TS && strings.Contains(blocksText(m), "Applied by")
	}, 10*time.Second)
	if strings.Contains(blocksText(updated), "[button") {
		t.Errorf("the applied proposal still shows buttons:\n%s", blocksText(updated))
	}
	// The thread reply is paced behind the investigation's other posts.
	e.slack.WaitForMessage(t, channel, root, func(m slacktest.Message) bool {
		return m.TS != prop.TS && strings.Contains(m.Text, "Applied by")
	}, 10*time.Second)
	applied := 0
	for _, m := range e.slack.Thread(channel, root) {
		if m.TS != prop.TS && strings.Contains(m.Text, "Applied by") {
			applied++
		}
	}
	if applied != 1 {
		t.Errorf("the thread says the fix was applied %d times, want once", applied)
	}
	e.allAcked(t)
}

func TestRejectChangesNothing(t *testing.T) {
	d := loadDemo(t)
	e := startServe(t)
	scriptInvestigation(e.llm, d.ns)

	root := e.slack.Mention(channel, requester, "crashloop-app keeps restarting in "+d.ns+", why?")
	prop := e.proposal(t, root)
	e.slack.ClickButton(channel, prop.TS, approver, "kubertnetes_reject")
	e.slack.WaitForMessage(t, channel, root, func(m slacktest.Message) bool {
		return m.TS == prop.TS && strings.Contains(blocksText(m), "Rejected by <@"+approver+">")
	}, 30*time.Second)
	if got := d.listenPort(t); got != "eighty" {
		t.Errorf("after a rejection LISTEN_PORT = %q, want it unchanged (eighty)", got)
	}
	e.allAcked(t)
}

func TestApproveByOutsiderIsRefused(t *testing.T) {
	d := loadDemo(t)
	e := startServe(t)
	scriptInvestigation(e.llm, d.ns)

	root := e.slack.Mention(channel, requester, "what is wrong with crashloop-app in "+d.ns+"?")
	prop := e.proposal(t, root)
	e.slack.ClickButton(channel, prop.TS, outsider, "kubertnetes_approve")
	waitEphemeral(t, e, outsider, "not allowed to approve")
	if got := d.listenPort(t); got != "eighty" {
		t.Errorf("an outsider's click changed LISTEN_PORT to %q", got)
	}
	for _, m := range e.slack.Thread(channel, root) {
		if m.TS == prop.TS && m.Edits > 0 {
			t.Errorf("an outsider's click edited the proposal:\n%s", blocksText(m))
		}
	}
	e.allAcked(t)
}

// waitEphemeral waits for an ephemeral message to user containing text.
func waitEphemeral(t *testing.T, e *e2e, user, text string) {
	t.Helper()
	kubetest.Eventually(t, 30*time.Second, fmt.Sprintf("an ephemeral message to %s containing %q", user, text), func() (bool, error) {
		ephemerals := e.slack.Ephemerals(channel)
		for _, m := range ephemerals {
			if m.User == user && strings.Contains(m.Text, text) {
				return true, nil
			}
		}
		return false, fmt.Errorf("ephemerals: %+v", ephemerals)
	})
}
