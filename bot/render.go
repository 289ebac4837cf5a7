package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube"
)

// Slack's limits (PROTOCOL.md): section text ≤ 3000 characters, ≤ 50
// blocks, button text ≤ 75; message text is kept far below 40,000.
const (
	maxSectionText = 3000
	maxBlocks      = 50
	maxText        = 3900
)

// Action ids of the proposal buttons.
const (
	actionApprove = "kubertnetes_approve"
	actionReject  = "kubertnetes_reject"
)

// trim cuts s to n characters (runes), marking the cut.
func trim(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	const mark = "\n… (trimmed)"
	return string(r[:n-len([]rune(mark))]) + mark
}

// codeBlock fences text from the model or the cluster for mrkdwn, inert
// and trimmed to fit a section.
func codeBlock(s string, n int) string {
	return "```\n" + inertCode(trim(s, n-16)) + "\n```"
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, trim(text, maxSectionText), false, false), nil, nil)
}

func contextText(text string) *slack.ContextBlock {
	return slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, trim(text, maxSectionText), false, false))
}

// renderStatus is the one status message updated in place while tools run.
func renderStatus(steps []string, done bool) (string, []slack.Block) {
	title := ":mag: Investigating…"
	if done {
		title = ":white_check_mark: Investigation finished"
	}
	shown := steps
	if len(shown) > 20 {
		shown = append([]string{fmt.Sprintf("… %d earlier steps", len(steps)-20)}, shown[len(shown)-20:]...)
	}
	body := title
	if len(shown) > 0 {
		body += "\n" + strings.Join(shown, "\n")
	}
	return trim(title, maxText), []slack.Block{section(body)}
}

// stepLine renders one finished tool step.
func stepLine(p agent.Progress) string {
	line := fmt.Sprintf("• `%s %s`", inert(p.Tool), inert(strings.ReplaceAll(p.Target, "`", "'")))
	if p.Done {
		line += fmt.Sprintf(" (%s)", p.Duration.Round(time.Millisecond))
	}
	if p.Err != "" {
		line += " — :warning: " + inert(trim(p.Err, 200))
	}
	return line
}

var severityEmoji = map[kube.Severity]string{kube.Critical: ":red_circle:", kube.Warning: ":large_orange_circle:", kube.Info: ":large_blue_circle:"}

// renderFinding is one finding with its evidence.
func renderFinding(f kube.Finding) (string, []slack.Block) {
	text := fmt.Sprintf("%s %s on %s: %s", f.Severity, f.Reason, f.Object, f.Message)
	blocks := []slack.Block{section(fmt.Sprintf("%s *%s* — `%s`\n%s", severityEmoji[f.Severity], inert(f.Reason), inert(f.Object.String()), inert(f.Message)))}
	if len(f.Evidence) > 0 {
		blocks = append(blocks, section(codeBlock(strings.Join(f.Evidence, "\n"), maxSectionText)))
	}
	var ctx []string
	if f.Fix != "" {
		ctx = append(ctx, "What to do: "+inert(f.Fix))
	}
	if link := docsLink(f.Docs); link != "" {
		ctx = append(ctx, link)
	}
	if len(ctx) > 0 {
		blocks = append(blocks, contextText(strings.Join(ctx, " · ")))
	}
	return fallback(text), blocks
}

// renderAnswer is the final diagnosis with the thread's token use and,
// when the model's price is known, its estimated cost.
func renderAnswer(a agent.Answer, total agent.Usage, price Price) (string, []slack.Block) {
	body := strings.TrimSpace(a.Text)
	if body == "" {
		body = "(the model returned an empty answer)"
	}
	var blocks []slack.Block
	parts := splitInert(body, maxSectionText, inert)
	if len(parts) > maxBlocks-1 { // one block stays for the usage line
		parts = parts[:maxBlocks-1]
		last := []rune(parts[len(parts)-1])
		parts[len(parts)-1] = string(last[:min(len(last), maxSectionText-60)]) + "\n… (trimmed: too long for Slack)"
	}
	for _, chunk := range parts {
		blocks = append(blocks, section(chunk))
	}
	if total.Requests > 0 {
		use := fmt.Sprintf("Thread usage: %d model calls, %d prompt + %d completion tokens", total.Requests, total.PromptTokens, total.CompletionTokens)
		if price != (Price{}) {
			use += " · ≈ " + dollars(price.Cost(total.PromptTokens, total.CompletionTokens))
		}
		blocks = append(blocks, contextText(use))
	}
	return fallback(body), blocks
}

// dollars formats an estimated cost: cents for a dollar or more, four
// decimals below (a small question costs a fraction of a cent).
func dollars(usd float64) string {
	if usd >= 1 {
		return fmt.Sprintf("$%.2f", usd)
	}
	return fmt.Sprintf("$%.4f", usd)
}

// renderFindingList lists findings one line each, for an investigation
// that found more than it should post one by one.
func renderFindingList(fs []kube.Finding) (string, []slack.Block) {
	sorted := append([]kube.Finding(nil), fs...)
	kube.SortFindings(sorted)
	title := fmt.Sprintf("%d more finding(s)", len(sorted))
	lines := make([]string, len(sorted))
	for i, f := range sorted {
		lines[i] = severityEmoji[f.Severity] + inert(trim(fmt.Sprintf(" *%s* — `%s`: %s", f.Reason, f.Object, f.Message), 500))
	}
	blocks := []slack.Block{section("*" + title + "*")}
	shown := 0
	// The lines are escaped already: split them as they are.
	for _, chunk := range splitInert(strings.Join(lines, "\n"), maxSectionText, func(s string) string { return s }) {
		if len(blocks) == maxBlocks-1 {
			break
		}
		blocks = append(blocks, section(chunk))
		shown += strings.Count(chunk, "\n") + 1
	}
	if shown < len(lines) {
		blocks = append(blocks, contextText(fmt.Sprintf("… and more: ask me about a namespace or an object to narrow it down (%d findings in all).", len(lines))))
	}
	return trim(title+": "+strings.Join(lines, "; "), maxText), blocks
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
