package agent

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sashabaranov/go-openai"
	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"

	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/tokens"
)

//go:embed prompts/system.md
var systemPrompt string

// LoopOptions configure the LLM brain. Zero values take the defaults.
type LoopOptions struct {
	Model string
	// MaxSteps bounds model round trips per question (default 12).
	MaxSteps int
	// ToolTokens bounds one tool result sent to the model (default 2000).
	ToolTokens int
	// TurnTokens bounds the tokens (prompt + completion) one question may
	// spend (default 250,000); ThreadTokens bounds a whole conversation
	// (default 1,000,000).
	TurnTokens   int
	ThreadTokens int
	// KeepTurns is how many recent tool-calling turns keep their results
	// in full; older turns are folded into short references (default 1;
	// -1 never compacts).
	KeepTurns int
	// Timeout bounds one question's wall-clock time (default 5 minutes).
	Timeout time.Duration
	// Retries is how many times one model call is tried (default 4).
	Retries int
	// RetryBackoff is the first retry's wait, doubled each time (default 1 s).
	RetryBackoff time.Duration
	// Runbooks to follow; nil means the built-in ones.
	Runbooks *Runbooks
	// Log records what the model never sees: a tool's panic and its stack
	// (default: nothing).
	Log *zap.Logger
	// ToolConcurrency bounds the tool calls running at once across every
	// investigation the Loop serves (default 4): a model asking for many
	// sweeps at once, or many threads at once, cannot multiply the memory
	// and API load. The others wait their turn.
	ToolConcurrency int
	// TurnToolCalls bounds the tool calls one model turn may ask for
	// (default 16); the extra calls are not run and their results tell the
	// model to ask for fewer at once.
	TurnToolCalls int
}

func (o *LoopOptions) defaults() error {
	if o.Model == "" {
		return fmt.Errorf("no model name")
	}
	set := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	set(&o.MaxSteps, 12)
	set(&o.ToolTokens, 2000)
	set(&o.TurnTokens, 250_000)
	set(&o.ThreadTokens, 1_000_000)
	set(&o.KeepTurns, 1)
	set(&o.Retries, 4)
	set(&o.ToolConcurrency, 4)
	set(&o.TurnToolCalls, 16)
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = time.Second
	}
	if o.Runbooks == nil {
		rb, err := LoadRunbooks("")
		if err != nil {
			return err
		}
		o.Runbooks = rb
	}
	return nil
}

// Loop is the LLM brain: chat completions with tool calling over the
// read-only toolbox.
type Loop struct {
	llm   retrying
	tools *Registry
	opts  LoopOptions
	red   kube.Redactor
	count *tokens.Counter
	// running holds one unit per tool call running, of ToolConcurrency.
	running *semaphore.Weighted
}

var _ Brain = (*Loop)(nil)

// NewLoop builds the LLM brain over a read-only view of the cluster.
// previewer may be nil (no fixes proposed).
func NewLoop(llm LLM, r Cluster, previewer Previewer, opts LoopOptions) (*Loop, error) {
	if llm == nil || r == nil {
		return nil, fmt.Errorf("new loop: a model client and a cluster reader are required")
	}
	if err := opts.defaults(); err != nil {
		return nil, fmt.Errorf("new loop: %w", err)
	}
	tools := []Tool{getTool{r}, describeTool{r}, logsTool{r}, eventsTool{r}, newAnalyzeTool(r), kubectlTool{r}}
	if previewer != nil {
		tools = append(tools, proposeTool{previewer})
	}
	reg, err := NewRegistry(tools...)
	if err != nil {
		return nil, err
	}
	return &Loop{
		llm:   retrying{llm: llm, attempts: opts.Retries, backoff: opts.RetryBackoff, maxWait: 30 * time.Second, sleep: sleepCtx},
		tools: reg,
		opts:  opts,
		red:   r.Redactor(),
		count: tokens.New(),

		running: semaphore.NewWeighted(int64(opts.ToolConcurrency)),
	}, nil
}

// Name says which brain answers, for welcome lines.
func (l *Loop) Name() string { return "model " + l.opts.Model }

// system is the byte-stable prompt prefix of a conversation: the base
// prompt and the runbook chosen at its first question.
func (l *Loop) system(conv *Conversation, question string) string {
	if conv.Runbook == "" && len(conv.Messages) == 0 {
		if rb, ok := l.opts.Runbooks.Pick(question); ok {
			conv.Runbook = rb.Name
		} else {
			conv.Runbook = "-"
		}
	}
	for _, rb := range l.opts.Runbooks.list {
		if rb.Name == conv.Runbook {
			return systemPrompt + "\nFollow this runbook (" + rb.Name + "):\n" + rb.Steps + "\n"
		}
	}
	return systemPrompt
}

// Ask investigates one question. The conversation grows by the question,
// every model message and every tool result; on return it holds them even
// when a budget or an error ended the investigation.
func (l *Loop) Ask(ctx context.Context, conv *Conversation, question string, emit func(Event)) error {
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	system := l.system(conv, question)
	conv.Messages = append(conv.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: question})
	seen := map[string]string{} // tool+args -> earlier result, for repeated calls
	var turn Usage
	for step := 0; step < l.opts.MaxSteps; step++ {
		if b := l.overBudget(turn, conv.Usage); b != "" {
			return l.budgetEnded(conv, b, emit)
		}
		conv.Messages = compact(conv.Messages, l.opts.KeepTurns, l.count)
		req := openai.ChatCompletionRequest{
			Model:    l.opts.Model,
			Messages: append([]openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: system}}, conv.Messages...),
			Tools:    l.tools.Definitions(),
		}
		resp, err := l.llm.complete(ctx, req)
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return l.budgetEnded(conv, fmt.Sprintf("wall-clock (%s)", l.opts.Timeout), emit)
			}
			err = &modelError{model: l.opts.Model, err: err}
			emit(ErrorEvent{Err: err})
			return err
		}
		u := l.usage(req, resp)
		turn, conv.Usage = turn.Add(u), conv.Usage.Add(u)
		msg := resp.Choices[0].Message
		msg.Role = openai.ChatMessageRoleAssistant
		conv.Messages = append(conv.Messages, msg)
		if len(msg.ToolCalls) > 0 {
			conv.Messages = append(conv.Messages, l.runTools(ctx, msg.ToolCalls, seen, emit)...)
			continue
		}
		if cmds := commandsInProse(msg.Content); len(cmds) > 0 && step < l.opts.MaxSteps-1 {
			// The model wrote commands instead of calling a tool: run them
			// as the kubectl tool would and steer it back to tool calls.
			conv.Messages = append(conv.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: l.runProse(ctx, cmds, seen, emit)})
			continue
		}
		emit(Answer{Text: strings.TrimSpace(msg.Content), Usage: conv.Usage})
		return nil
	}
	return l.budgetEnded(conv, fmt.Sprintf("step (%d model calls)", l.opts.MaxSteps), emit)
}

// usage is what a model call cost, as the provider reports it, or counted
// here when a compatible server reports nothing.
func (l *Loop) usage(req openai.ChatCompletionRequest, resp openai.ChatCompletionResponse) Usage {
	u := Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens, Requests: 1}
	if u.PromptTokens == 0 {
		for _, m := range req.Messages {
			u.PromptTokens += l.count.Count(m.Content) + 4
			for _, c := range m.ToolCalls {
				u.PromptTokens += l.count.Count(c.Function.Arguments) + 4
			}
		}
	}
	if u.CompletionTokens == 0 && len(resp.Choices) > 0 {
		u.CompletionTokens = l.count.Count(resp.Choices[0].Message.Content)
	}
	return u
}

// overBudget names the token budget that is spent, if any.
func (l *Loop) overBudget(turn, thread Usage) string {
	switch {
	case turn.PromptTokens+turn.CompletionTokens >= l.opts.TurnTokens:
		return fmt.Sprintf("per-question token (%d tokens)", l.opts.TurnTokens)
	case thread.PromptTokens+thread.CompletionTokens >= l.opts.ThreadTokens:
		return fmt.Sprintf("per-thread token (%d tokens; start a new thread)", l.opts.ThreadTokens)
	}
	return ""
}

// budgetEnded answers with what was gathered so far and which budget ended.
func (l *Loop) budgetEnded(conv *Conversation, budget string, emit func(Event)) error {
	var last string
	for i := len(conv.Messages) - 1; i >= 0; i-- {
		if m := conv.Messages[i]; m.Role == openai.ChatMessageRoleAssistant && strings.TrimSpace(m.Content) != "" {
			last = m.Content
			break
		}
	}
	text := fmt.Sprintf("I stopped because the %s budget ran out before I reached a conclusion.", budget)
	if last != "" {
		text += "\nWhat I had so far: " + last
	}
	if steps := l.stepsTaken(conv); steps != "" {
		text += "\nWhat I checked: " + steps
	}
	text += "\nAsk a narrower follow-up question to continue."
	emit(Answer{Text: text, Usage: conv.Usage, Budget: budget})
	return nil
}

// stepsTaken lists the tool calls of the last question, for a summary.
func (l *Loop) stepsTaken(conv *Conversation) string {
	var calls []string
	for i := len(conv.Messages) - 1; i >= 0; i-- {
		m := conv.Messages[i]
		if m.Role == openai.ChatMessageRoleUser && !strings.HasPrefix(m.Content, "[kubertnetes]") {
			break
		}
		if rest, ok := strings.CutPrefix(m.Content, foldMark); ok {
			var folded []string
			for _, line := range strings.Split(rest, "\n- ")[1:] {
				call, _, _ := strings.Cut(line, " →")
				folded = append(folded, oneLine(call, 80))
			}
			calls = append(folded, calls...)
		}
		for j := len(m.ToolCalls) - 1; j >= 0; j-- {
			c := m.ToolCalls[j]
			calls = append([]string{c.Function.Name + " " + oneLine(c.Function.Arguments, 80)}, calls...)
		}
	}
	if len(calls) > 8 {
		calls = append(calls[:8], fmt.Sprintf("… and %d more", len(calls)-8))
	}
	return strings.Join(calls, "; ")
}
