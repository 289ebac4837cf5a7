package main

import (
	"context"
	"errors"
	"fmt"
	"os/user"
	"strings"
	"time"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
)

// chatFixes is the terminal's approval path: a proposal is applied after
// "y" with the kubeconfig's identity, verified, and audited; a conflict
// offers a fresh preview and a failed verification a rollback.
type chatFixes struct {
	std    stdio
	lines  <-chan string
	fixer  *fixer.Fixer
	audit  fixer.Auditor
	verify fixer.VerifyOptions
	conv   *agent.Conversation
	who    string // the person at the terminal, for the audit
}

// terminalUser names the person at the terminal for the audit trail.
func terminalUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "terminal:" + u.Username
	}
	return "terminal"
}

func (c *chatFixes) record(ctx context.Context, reason fixer.AuditReason, prop agent.Proposal, decided bool, result string) {
	r := fixer.AuditRecord{Reason: reason, Proposal: prop.ID, Preview: prop.Preview, RequestedBy: c.who, Result: result}
	if decided {
		r.DecidedBy = c.who
	}
	c.audit.Record(ctx, r)
}

// decide asks about one proposal and applies it on "y".
func (c *chatFixes) decide(ctx context.Context, prop agent.Proposal, question string) {
	c.record(ctx, fixer.FixProposed, prop, false, "awaiting approval")
	if !confirm(ctx, c.std, c.lines, question) {
		fmt.Fprintln(c.std.out, "Not applied.")
		c.record(ctx, fixer.FixRejected, prop, true, "not applied")
		c.conv.Note(fmt.Sprintf("The user rejected proposal %s; it was not applied.", prop.ID))
		return
	}
	c.apply(ctx, prop)
}

func (c *chatFixes) apply(ctx context.Context, prop agent.Proposal) {
	c.record(ctx, fixer.FixApproved, prop, true, "applying")
	applied, err := c.fixer.Apply(ctx, prop.Preview, fixer.Identity{})
	if err != nil {
		fmt.Fprintf(c.std.out, "Not applied: %v\n", err)
		c.record(ctx, fixer.FixFailed, prop, true, err.Error())
		c.conv.Note(fmt.Sprintf("Applying proposal %s failed and nothing was changed: %v", prop.ID, err))
		if errors.Is(err, fixer.ErrConflict) {
			c.repropose(ctx, prop)
		}
		return
	}
	fmt.Fprintf(c.std.out, "Applied %s to %s (resourceVersion %s). Verifying (up to %s; Ctrl-C stops watching)…\n", prop.ID, prop.Preview.Fix.Target, applied.ResourceVersion, c.verifyTimeout())
	c.auditApplied(ctx, fixer.FixApplied, prop, applied, "resourceVersion "+applied.ResourceVersion)
	v, err := c.verifyUntilInterrupt(ctx, applied)
	if err != nil {
		fmt.Fprintf(c.std.out, "Verification stopped (the fix stays applied): %v\n", err)
		c.conv.Note(fmt.Sprintf("The user approved proposal %s; it was APPLIED; verification was stopped before a result.", prop.ID))
		return
	}
	if v.Verified {
		fmt.Fprintf(c.std.out, "Fix %s verified ✅ after %s: %s.\n", prop.ID, v.Elapsed.Round(time.Second), v.Summary())
		c.auditApplied(ctx, fixer.FixVerified, prop, applied, v.Summary())
		c.conv.Note(fmt.Sprintf("The user approved proposal %s; it was APPLIED and VERIFIED: %s.", prop.ID, v.Summary()))
		return
	}
	fmt.Fprintf(c.std.out, "Fix %s not verified after %s; still wrong:\n  • %s\n", prop.ID, v.Elapsed.Round(time.Second), strings.Join(v.Problems, "\n  • "))
	c.auditApplied(ctx, fixer.FixNotVerified, prop, applied, v.Summary())
	c.conv.Note(fmt.Sprintf("The user approved proposal %s; it was APPLIED but NOT VERIFIED: %s.", prop.ID, v.Summary()))
	fix, err := fixer.Rollback(applied, v.Reason())
	if err != nil {
		fmt.Fprintf(c.std.out, "No rollback offered: %v\n", err)
		return
	}
	pv, err := c.fixer.Preview(ctx, fix)
	if err != nil {
		fmt.Fprintf(c.std.out, "Could not preview the rollback: %v\n", err)
		return
	}
	rb := agent.Proposal{ID: agent.NewID("fix"), Preview: *pv}
	c.show("Rollback proposal", rb)
	c.decide(ctx, rb, "Apply rollback? [y/N] ")
}

// verifyUntilInterrupt verifies; Ctrl-C stops the watching, not the fix.
func (c *chatFixes) verifyUntilInterrupt(ctx context.Context, a fixer.Applied) (fixer.Verification, error) {
	vctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-c.std.interrupt:
			cancel()
		case <-stop:
		}
	}()
	return c.fixer.Verify(vctx, a, c.verify)
}

func (c *chatFixes) auditApplied(ctx context.Context, reason fixer.AuditReason, prop agent.Proposal, a fixer.Applied, result string) {
	c.audit.Record(ctx, fixer.AuditRecord{Reason: reason, Proposal: prop.ID, Preview: prop.Preview, UID: a.UID, RequestedBy: c.who, DecidedBy: c.who, Result: result})
}

// repropose previews a fix again after its object changed and asks again.
func (c *chatFixes) repropose(ctx context.Context, prop agent.Proposal) {
	fresh, err := c.fixer.Repreview(ctx, prop.Preview)
	if err != nil {
		fmt.Fprintf(c.std.out, "Could not preview it again: %v\n", err)
		return
	}
	np := agent.Proposal{ID: agent.NewID("fix"), Preview: *fresh}
	c.show("Fresh preview", np)
	c.decide(ctx, np, fmt.Sprintf("Apply %s to %s? [y/N] ", np.ID, np.Preview.Fix.Target))
}

func (c *chatFixes) show(title string, p agent.Proposal) {
	fix := p.Preview.Fix
	fmt.Fprintf(c.std.out, "\n%s %s: %s on %s\n  why: %s\n  server-side dry-run diff:\n%s\n", title, p.ID, fix.Operation, fix.Target, fix.Rationale, indent(p.Preview.Diff, "    "))
}

func (c *chatFixes) verifyTimeout() time.Duration {
	if c.verify.Timeout > 0 {
		return c.verify.Timeout
	}
	return 2 * time.Minute
}
