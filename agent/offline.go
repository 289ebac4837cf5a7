package agent

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/analyze"
)

// Offline is the brain used when no model is configured: it runs the
// analyzers scoped to the question and reports their findings. It cannot
// reason about open-ended questions, and says so.
type Offline struct {
	analyses *analyze.Shared // concurrent questions share sweeps
	preview  Previewer
	red      kube.Redactor
}

var _ Brain = (*Offline)(nil)

// NewOffline builds the analyzer-only brain. With a previewer, findings
// whose evidence determines a fix (a near-miss Service name, say) come
// with that fix as a proposal; previewer may be nil. Errors it shows pass
// through src's redactor.
func NewOffline(src analyze.Source, previewer Previewer) *Offline {
	return &Offline{analyses: analyze.NewShared(src, analyze.SharedOptions{}), preview: previewer, red: src.Redactor()}
}

// Name says which brain answers.
func (*Offline) Name() string { return "built-in analyzers (no model configured)" }

var (
	nsFlag    = regexp.MustCompile(`(?i)(?:-n|--namespace)[= ]+([a-z0-9][a-z0-9-]*)`)
	nsWords   = regexp.MustCompile(`(?i)\b(?:in|namespace)\s+(?:the\s+)?(?:namespace\s+)?["'` + "`" + `]?([a-z0-9][a-z0-9-]*[a-z0-9])["'` + "`" + `]?(?:\s+namespace)?`)
	nameToken = regexp.MustCompile("[a-z0-9][a-z0-9.-]*-[a-z0-9.-]*[a-z0-9]")
)

// scopeFor reads a namespace and object names out of a question.
func scopeFor(question string) analyze.Scope {
	var s analyze.Scope
	q := strings.ToLower(question)
	if m := nsFlag.FindStringSubmatch(q); m != nil {
		s.Namespace = m[1]
	} else if m := nsWords.FindStringSubmatch(q); m != nil && !commonWords[m[1]] {
		s.Namespace = m[1]
	}
	for _, tok := range nameToken.FindAllString(q, -1) {
		if tok != s.Namespace && !strings.HasPrefix(tok, "-") {
			s.Names = append(s.Names, tok)
		}
	}
	return s
}

// commonWords are words after "in" that are not namespaces.
var commonWords = map[string]bool{"the": true, "my": true, "this": true, "our": true, "production": false, "cluster": true, "a": true, "it": true, "there": true}

// Ask runs the analyzers over the question's scope. If the question names
// objects that have no findings, it falls back to the whole scope so the
// user still sees what is wrong.
func (o *Offline) Ask(ctx context.Context, conv *Conversation, question string, emit func(Event)) error {
	scope := scopeFor(question)
	target := "all namespaces"
	if scope.Namespace != "" {
		target = "-n " + scope.Namespace
	}
	emit(Progress{Tool: "analyze", Target: target})
	start := time.Now()
	fs, err := o.analyses.Run(ctx, scope)
	if err == nil && len(fs) == 0 && len(scope.Names) > 0 {
		scope.Names = nil
		fs, err = o.analyses.Run(ctx, scope)
	}
	p := Progress{Tool: "analyze", Target: target, Done: true, Duration: time.Since(start)}
	if err != nil {
		p.Err = o.red.Text(err.Error())
	}
	emit(p)
	if err != nil && len(fs) == 0 {
		err = fmt.Errorf("analyze %s: %w", target, err)
		emit(ErrorEvent{Err: err})
		return err
	}
	proposed := 0
	for _, f := range fs {
		emit(FindingEvent{Finding: f})
		if o.propose(ctx, f, emit) {
			proposed++
		}
	}
	conv.Note("question: " + question)
	emit(Answer{Text: offlineSummary(fs, scope, proposed)})
	return nil
}

// propose previews a finding's fix, if it has one, and emits it.
func (o *Offline) propose(ctx context.Context, f kube.Finding, emit func(Event)) bool {
	if f.Proposal == nil || o.preview == nil {
		return false
	}
	emit(Progress{Tool: "propose_fix", Target: f.Proposal.Target.String()})
	start := time.Now()
	steps, err := o.preview.Plan(ctx, *f.Proposal)
	p := Progress{Tool: "propose_fix", Target: f.Proposal.Target.String(), Done: true, Duration: time.Since(start)}
	if err != nil {
		// A refused dry run can echo the values it was given.
		p.Err = o.red.Text(err.Error())
		emit(p)
		return false
	}
	emit(p)
	emit(ProposalEvent{Proposal: NewProposal(steps)})
	return true
}

func offlineSummary(fs []kube.Finding, s analyze.Scope, proposed int) string {
	where := "the cluster"
	if s.Namespace != "" {
		where = "namespace " + s.Namespace
	}
	var b strings.Builder
	if len(fs) == 0 {
		fmt.Fprintf(&b, "The built-in analyzers found no problems in %s.", where)
	} else {
		fmt.Fprintf(&b, "The built-in analyzers found %d problem(s) in %s:\n", len(fs), where)
		for _, f := range fs {
			fmt.Fprintf(&b, "• %s — %s\n", f.Reason, f.Message)
			if f.Fix != "" {
				fmt.Fprintf(&b, "  what to do: %s\n", f.Fix)
			}
		}
	}
	if proposed > 0 {
		fmt.Fprintf(&b, "\nI proposed %d fix(es) the evidence determines; each applies only if approved.\n", proposed)
	}
	b.WriteString("\n(No model is configured, so I can only run the built-in analyzers. For open-ended questions and concrete fix proposals, set OPENAI_API_KEY — or OPENAI_BASE_URL for Azure, Ollama or vLLM — and KUBERTNETES_MODEL.)")
	return b.String()
}
