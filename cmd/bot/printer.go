package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/bot"
)

// printer renders agent events for a terminal.
type printer struct {
	w         io.Writer
	log       *zap.Logger // gets the full error of a failed investigation
	price     bot.Price   // zero: tokens only
	proposals []agent.Proposal
	failed    *agent.UserError // the last failure shown
}

func (p *printer) event(e agent.Event) {
	switch e := e.(type) {
	case agent.Progress:
		if !e.Done {
			fmt.Fprintf(p.w, "  … %s %s\n", e.Tool, e.Target)
			return
		}
		if e.Err != "" {
			fmt.Fprintf(p.w, "  ✗ %s %s: %s\n", e.Tool, e.Target, e.Err)
			return
		}
		fmt.Fprintf(p.w, "  ✓ %s %s (%s)\n", e.Tool, e.Target, e.Duration.Round(time.Millisecond))
	case agent.FindingEvent:
		f := e.Finding
		fmt.Fprintf(p.w, "\n[%s] %s %s\n  %s\n", strings.ToUpper(f.Severity.String()), f.Object, f.Reason, f.Message)
		for _, ev := range f.Evidence {
			fmt.Fprintf(p.w, "    %s\n", ev)
		}
		if f.Fix != "" {
			fmt.Fprintf(p.w, "  what to do: %s\n", f.Fix)
		}
	case agent.ProposalEvent:
		p.proposals = append(p.proposals, e.Proposal)
		printProposal(p.w, "Proposed fix", e.Proposal)
	case agent.Answer:
		fmt.Fprintf(p.w, "\n%s\n", e.Text)
		if e.Usage.Requests > 0 {
			cost := ""
			if p.price != (bot.Price{}) {
				cost = fmt.Sprintf(", ≈ $%.4f", p.price.Cost(e.Usage.PromptTokens, e.Usage.CompletionTokens))
			}
			fmt.Fprintf(p.w, "(%d model calls, %d prompt + %d completion tokens%s)\n", e.Usage.Requests, e.Usage.PromptTokens, e.Usage.CompletionTokens, cost)
		}
	case agent.ErrorEvent:
		_ = p.fail(e.Err)
	}
}

// fail shows an investigation's failure in its user-safe form and logs the
// full error under the same reference, once per error: the error an
// ErrorEvent showed is not shown again when Ask returns it. It returns the
// user-safe error.
func (p *printer) fail(err error) error {
	if errors.Is(err, context.Canceled) {
		return err // the user stopped it; chat says so, ask exits 130
	}
	if p.failed != nil && errors.Is(err, p.failed.Err) {
		return p.failed
	}
	ue := agent.Explain(err)
	p.log.Warn("investigation failed", zap.String("ref", ue.Ref), zap.Stringer("code", ue.Code), zap.Error(ue.Err))
	fmt.Fprintf(p.w, "\nerror: %v\n", ue)
	p.failed = ue
	return ue
}

// take returns and forgets the proposals seen since the last call.
func (p *printer) take() []agent.Proposal {
	out := p.proposals
	p.proposals = nil
	return out
}

// printProposal shows a proposal: what, each step's server-side dry-run
// diff, then — below the diff, labelled as such — the model's own words
// (why, the risk, what to expect), which cannot pass for part of a diff.
func printProposal(w io.Writer, title string, p agent.Proposal) {
	fix := p.Preview.Fix
	fmt.Fprintf(w, "\n%s %s: %s on %s\n", title, p.ID, fix.Operation, fix.Target)
	steps := p.Steps()
	if len(steps) == 1 {
		fmt.Fprintf(w, "  server-side dry-run diff:\n%s\n", indent(p.Preview.Diff, "    "))
	} else {
		fmt.Fprintf(w, "  %d steps, approved together and applied in order:\n", len(steps))
		for i, s := range steps {
			fmt.Fprintf(w, "  %d. %s on %s\n     server-side dry-run diff:\n%s\n", i+1, s.Fix.Operation, s.Fix.Target, indent(s.Diff, "       "))
		}
	}
	fmt.Fprintln(w, "  in the proposer's words (not checked by kubertnetes):")
	for _, l := range []struct{ label, text string }{{"why", fix.Rationale}, {"risk", fix.Risk}, {"expected", fix.Expected}} {
		if l.text != "" {
			fmt.Fprintf(w, "    %s: %s\n", l.label, indent(l.text, "      ")[6:])
		}
	}
	for i, s := range steps[1:] {
		if s.Fix.Rationale != "" {
			fmt.Fprintf(w, "    step %d: %s\n", i+2, s.Fix.Rationale)
		}
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// terminalSafe returns w made safe for a terminal: everything written to it
// passes through sanitize. The terminal front ends write all output
// through it, so that no cluster or model string (a pod's log line, an
// object's field, a diff, an answer) can drive the terminal.
func terminalSafe(w io.Writer) io.Writer { return sanitizing{w} }

type sanitizing struct{ w io.Writer }

func (s sanitizing) Write(p []byte) (int, error) {
	if _, err := io.WriteString(s.w, sanitize(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// escapeSeq matches the terminal escape sequences: CSI (cursor moves,
// ESC[2J clears the screen), OSC (ESC]52 writes the clipboard, ESC]8 makes
// links; ended by BEL or ST), DCS/SOS/PM/APC strings, and two-byte escapes.
var escapeSeq = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?`)

// sanitize removes terminal escape sequences and every control character
// but newline and tab: C0 (carriage return, which overwrites a line,
// included), DEL, C1 (U+0080–U+009F, which some terminals read as CSI) and
// bytes that are not UTF-8.
func sanitize(s string) string {
	s = escapeSeq.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n', r == '\t':
			return r
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
}
