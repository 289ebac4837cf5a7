package main

import (
	"context"
	"fmt"
	"os/user"
	"strings"
	"time"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/fixflow"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// terminalFixes presents the fix workflow in the terminal: a proposal is
// decided at a y/N prompt by the person at the keyboard, applied with the
// kubeconfig's identity, and verified; Ctrl-C stops only the watching.
type terminalFixes struct {
	std   stdio
	lines <-chan string
	conv  *agent.Conversation
	who   string // the person at the terminal, for the audit
	wf    *fixflow.Workflow
	// verifyFor is how long verification may watch, for the progress line.
	verifyFor time.Duration
}

// newTerminalFixes wires the terminal's presenter to one workflow.
func newTerminalFixes(std stdio, lines <-chan string, conv *agent.Conversation, fixer *fixer.Fixer, audit fixer.Auditor, verify fixer.VerifyOptions) (*terminalFixes, error) {
	t := &terminalFixes{std: std, lines: lines, conv: conv, who: terminalUser(), verifyFor: verify.Timeout}
	if t.verifyFor <= 0 {
		t.verifyFor = 2 * time.Minute
	}
	d := fixflow.Deps{Store: store.NewMemory(store.Retention{}), Presenter: t, Auditor: audit, Watch: t.watch}
	if fixer != nil {
		d.Fixer = fixer
	}
	wf, err := fixflow.New(d, fixflow.Rules{Approvers: fixflow.Anyone{}, Verify: verify})
	if err != nil {
		return nil, err
	}
	t.wf = wf
	return t, nil
}

// terminalUser names the person at the terminal for the audit trail.
func terminalUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "terminal:" + u.Username
	}
	return "terminal"
}

// propose records a proposal the agent made (already printed) and asks
// about it.
func (t *terminalFixes) propose(ctx context.Context, p agent.Proposal) {
	if err := t.wf.Propose(ctx, fixflow.Place{Conversation: "terminal", Requester: t.who}, p); err != nil {
		fmt.Fprintf(t.std.out, "Proposal %s cannot be applied: %v\n", p.ID, err)
	}
}

// Offer asks y/N and decides there and then; fresh previews and rollbacks
// are shown first (the agent's own proposals were printed as they came).
func (t *terminalFixes) Offer(ctx context.Context, r fixflow.Record) error {
	question := fmt.Sprintf("Apply %s to %s? [y/N] ", r.ID, r.Fix().Target)
	switch r.Origin {
	case fixflow.Fresh:
		t.show("Fresh preview", r.Change)
	case fixflow.RollbackOf:
		t.show("Rollback proposal", r.Change)
		question = "Apply rollback? [y/N] "
	}
	yes := confirm(ctx, t.std, t.lines, question)
	t.wf.Decide(ctx, fixflow.Decision{Proposal: r.ID, User: t.who, Approve: yes})
	return nil
}

// Report prints each step of a decided proposal.
func (t *terminalFixes) Report(_ context.Context, r fixflow.Record, rep fixflow.Report) {
	out := t.std.out
	switch rep.Stage {
	case fixflow.Rejected:
		fmt.Fprintln(out, "Not applied.")
	case fixflow.Expired:
		fmt.Fprintf(out, "Not applied: proposal %s expired (proposals can be applied for %s); ask again for a fresh preview.\n", r.ID, rep.TTL)
	case fixflow.Failed:
		fmt.Fprintf(out, "Not applied: %s\n", rep.Err)
		if rep.NextErr != "" {
			fmt.Fprintf(out, "No follow-up offered: %s\n", rep.NextErr)
		}
	case fixflow.Applied:
		fmt.Fprintf(out, "Applied %s: %s. Verifying (up to %s; Ctrl-C stops watching)…\n", r.ID, fixflow.Versions(rep.Applied), t.verifyFor)
	case fixflow.Verified:
		v := rep.Verification
		fmt.Fprintf(out, "Fix %s verified ✅ after %s: %s.\n", r.ID, v.Elapsed.Round(time.Second), v.Summary())
	case fixflow.NotVerified:
		v := rep.Verification
		fmt.Fprintf(out, "Fix %s not verified after %s; still wrong:\n  • %s\n", r.ID, v.Elapsed.Round(time.Second), strings.Join(v.Problems, "\n  • "))
		if rep.NextErr != "" {
			fmt.Fprintf(out, "No rollback offered: %s\n", rep.NextErr)
		}
	case fixflow.Unverified:
		fmt.Fprintln(out, "Verification stopped (the fix stays applied).")
	case fixflow.NotOffered:
		fmt.Fprintln(out, rep.Err)
	case fixflow.Interrupted:
		fmt.Fprintf(out, "Fix %s: %s\n", r.ID, rep.Err)
	}
}

// Refuse prints why a decision was not taken.
func (t *terminalFixes) Refuse(_ context.Context, _ fixflow.Decision, _ fixflow.Record, why string) {
	fmt.Fprintln(t.std.out, why)
}

// Note tells the conversation's model what happened.
func (t *terminalFixes) Note(_ context.Context, _ string, text string) { t.conv.Note(text) }

// watch lets Ctrl-C stop verification, not the fix.
func (t *terminalFixes) watch(ctx context.Context) (context.Context, context.CancelFunc) {
	wctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-t.std.interrupt:
			cancel()
		case <-wctx.Done():
		}
	}()
	return wctx, cancel
}

func (t *terminalFixes) show(title string, p agent.Proposal) { printProposal(t.std.out, title, p) }
