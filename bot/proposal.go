package bot

import (
	"errors"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kubertnetes/kubertnetes/agent"
)

// A proposal is shown whole: Approve applies exactly the diff the approver
// could read. A diff that does not fit the proposal message is posted, in
// parts, in the messages just before it; one too large to read in Slack is
// not offered at all.
const (
	// diffPartText is the most diff text (escaped) in one section,
	// leaving room for the part's label and the fences.
	diffPartText = maxSectionText - 400
	// inlineDiffParts is how many parts the proposal message holds itself.
	inlineDiffParts = 3
	// partsPerMessage is how many parts a message before it holds.
	partsPerMessage = 4
	// maxDiffMessages and maxDiffChars bound what an approver is asked
	// to read; a bigger change is refused as too large to review.
	maxDiffMessages = 10
	maxDiffChars    = 40000
)

// errTooLarge is a proposal whose diff is too large to review in Slack.
var errTooLarge = errors.New("the change is too large to review in Slack: split it into smaller fixes")

// message is one rendered Slack message: fallback text and blocks.
type message struct {
	text   string
	blocks []slack.Block
}

// proposalView is how a proposal is shown: the messages holding the parts
// of its diff that do not fit the proposal message (posted first, in
// order), then the proposal message with its buttons.
type proposalView struct {
	parts    []message
	proposal message
}

// renderProposal is a fix awaiting a decision: what it changes, the whole
// server-side dry-run diff of every step, the two buttons, and below them
// the model's own words about it, as plain text.
func renderProposal(p agent.Proposal) (proposalView, error) {
	sections, chars := diffSections(p)
	if chars > maxDiffChars {
		return proposalView{}, fmt.Errorf("%w (%d characters of diff, more than %d)", errTooLarge, chars, maxDiffChars)
	}
	fix := p.Preview.Fix
	what, icon := "Proposed fix", ":wrench:"
	if fix.Undoes != "" {
		what, icon = "Proposed rollback", ":rewind:"
	}
	text := fmt.Sprintf("%s for %s: %s", what, fix.Target, fix.Operation)
	head := fmt.Sprintf("%s *%s* for `%s/%s` in `%s` — %s", icon, what, inert(strings.ToLower(p.Preview.Kind)), inert(fix.Target.Name), inert(fix.Target.Namespace), fix.Operation)
	if n := len(p.Steps()); n > 1 {
		head += fmt.Sprintf("\n*%d steps*, approved together and applied in order: the fix, then what makes it take effect.", n)
	}
	var view proposalView
	blocks := []slack.Block{section(head)}
	if len(sections) <= inlineDiffParts {
		for _, s := range sections {
			blocks = append(blocks, s)
		}
	} else {
		n := (len(sections) + partsPerMessage - 1) / partsPerMessage
		if n > maxDiffMessages {
			return proposalView{}, fmt.Errorf("%w (%d messages of diff, more than %d)", errTooLarge, n, maxDiffMessages)
		}
		for i := 0; i < len(sections); i += partsPerMessage {
			m := message{text: fmt.Sprintf("Proposal %s: diff parts %d–%d of %d", p.ID, i+1, min(i+partsPerMessage, len(sections)), len(sections))}
			for _, s := range sections[i:min(i+partsPerMessage, len(sections))] {
				m.blocks = append(m.blocks, s)
			}
			view.parts = append(view.parts, m)
		}
		blocks = append(blocks, section(fmt.Sprintf("The whole server-side dry-run diff is in the %d message(s) just above (diff parts 1–%d of %d); Approve applies exactly that.", n, len(sections), len(sections))))
	}
	blocks = append(blocks,
		slack.NewActionBlock("kubertnetes_decision",
			slack.NewButtonBlockElement(actionApprove, p.ID, slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement(actionReject, p.ID, slack.NewTextBlockObject(slack.PlainTextType, "Reject", false, false)).WithStyle(slack.StyleDanger),
		),
		contextText(fmt.Sprintf("Proposal `%s` · previewed against resourceVersion %s · patch sha256 %s…", inert(p.ID), inert(p.Preview.ResourceVersion), inert(short(p.Preview.PatchHash)))),
		modelWords(p),
	)
	view.proposal = message{text: trim(text, maxText), blocks: blocks}
	return view, nil
}

// diffSections are the labelled parts of every step's diff, each a code
// block the bot made, and how many characters the diffs have in all.
func diffSections(p agent.Proposal) ([]*slack.SectionBlock, int) {
	steps := p.Steps()
	type part struct{ step, body string }
	var parts []part
	chars := 0
	for i, s := range steps {
		chars += len([]rune(s.Diff))
		step := ""
		if len(steps) > 1 {
			step = fmt.Sprintf(" · *Step %d of %d:* %s on `%s/%s`", i+1, len(steps), s.Fix.Operation, inert(strings.ToLower(s.Kind)), inert(s.Fix.Target.Name))
		}
		diff := strings.ReplaceAll(s.Diff, "```", "'''")
		if strings.TrimSpace(diff) == "" {
			diff = "(no change)"
		}
		for _, body := range splitInert(diff, diffPartText, inert) {
			parts = append(parts, part{step: trim(step, 300), body: body})
		}
	}
	out := make([]*slack.SectionBlock, len(parts))
	for i, pt := range parts {
		label := fmt.Sprintf("*Server-side dry-run diff part %d of %d*%s", i+1, len(parts), pt.step)
		out[i] = slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, label+"\n```\n"+pt.body+"\n```", false, false), nil, nil)
	}
	return out, chars
}

// modelWords is what the model said about its fix — why, the risk, what
// to expect, and why each later step — as plain text labelled as the
// model's, below the diff and the buttons: it cannot format, mention or
// pass for anything the bot says.
func modelWords(p agent.Proposal) *slack.SectionBlock {
	fix := p.Preview.Fix
	var b strings.Builder
	b.WriteString("In the model's words (not checked by kubertnetes; the diff above is what Approve applies):")
	for _, l := range []struct{ name, text string }{{"Why", fix.Rationale}, {"Risk", fix.Risk}, {"Expected", fix.Expected}} {
		if strings.TrimSpace(l.text) != "" {
			fmt.Fprintf(&b, "\n%s: %s", l.name, trim(l.text, 700))
		}
	}
	for i, s := range p.Then {
		fmt.Fprintf(&b, "\nStep %d: %s", i+2, trim(s.Fix.Rationale, 300))
	}
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, trim(b.String(), maxSectionText), false, false), nil, nil)
}

// renderDecided replaces the buttons with the decision, keeping the rest
// of the proposal message (its diff, or the pointer to the parts above,
// which are never edited).
func renderDecided(p agent.Proposal, outcome string) message {
	view, err := renderProposal(p)
	if err != nil { // never offered; say the outcome alone
		return message{text: trim(outcome, maxText), blocks: []slack.Block{section(outcome)}}
	}
	out := make([]slack.Block, 0, len(view.proposal.blocks))
	for _, b := range view.proposal.blocks {
		if b.BlockType() == slack.MBTAction {
			out = append(out, section(outcome))
			continue
		}
		out = append(out, b)
	}
	return message{text: trim(view.proposal.text+" — "+outcome, maxText), blocks: out}
}
