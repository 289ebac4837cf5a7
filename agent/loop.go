package agent

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/kubertnetes/kubertnetes/kube"
)

//go:embed prompts/system.md
var systemPrompt string

// LoopOptions configure the LLM brain.
type LoopOptions struct {
	Model string
	// MaxSteps bounds model round trips per question (default 12).
	MaxSteps int
	// MaxToolBytes bounds one tool result sent to the model (default 8000).
	MaxToolBytes int
	// Timeout bounds one question's wall-clock time (default 5 minutes).
	Timeout time.Duration
	// Retries is how many times one model call is tried (default 4).
	Retries int
	// RetryBackoff is the first retry's wait, doubled each time (default 1 s).
	RetryBackoff time.Duration
}

// Loop is the LLM brain: chat completions with tool calling over the
// read-only toolbox.
type Loop struct {
	llm   retrying
	tools *Registry
	opts  LoopOptions
	red   kube.Redactor
}

var _ Brain = (*Loop)(nil)

// NewLoop builds the LLM brain. previewer may be nil (no fixes proposed).
func NewLoop(llm LLM, r *kube.Reader, previewer Previewer, opts LoopOptions) (*Loop, error) {
	if llm == nil || r == nil {
		return nil, fmt.Errorf("new loop: a model client and a cluster reader are required")
	}
	if opts.Model == "" {
		return nil, fmt.Errorf("new loop: no model name")
	}
	if opts.MaxSteps <= 0 {
		opts.MaxSteps = 12
	}
	if opts.MaxToolBytes <= 0 {
		opts.MaxToolBytes = 8000
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Minute
	}
	if opts.Retries <= 0 {
		opts.Retries = 4
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = time.Second
	}
	tools := []Tool{getTool{r}, describeTool{r}, logsTool{r}, eventsTool{r}, analyzeTool{r}}
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
	}, nil
}

// Name says which brain answers, for welcome lines.
func (l *Loop) Name() string { return "model " + l.opts.Model }

// Ask investigates one question. The conversation grows by the question,
// every model message and every tool result; on return it holds them even
// when a budget or an error ended the investigation.
func (l *Loop) Ask(ctx context.Context, conv *Conversation, question string, emit func(Event)) error {
	ctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
	defer cancel()
	conv.Messages = append(conv.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: question})
	seen := map[string]string{} // tool+args -> earlier result, for repeated calls
	for step := 0; step < l.opts.MaxSteps; step++ {
		req := openai.ChatCompletionRequest{
			Model:    l.opts.Model,
			Messages: append([]openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem, Content: systemPrompt}}, conv.Messages...),
			Tools:    l.tools.Definitions(),
		}
		resp, err := l.llm.complete(ctx, req)
		if err != nil {
			if ctx.Err() == context.DeadlineExceeded {
				return l.budgetEnded(conv, "wall-clock", emit)
			}
			err = fmt.Errorf("model %s: %w", l.opts.Model, err)
			emit(ErrorEvent{Err: err})
			return err
		}
		conv.Usage = conv.Usage.Add(Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens, Requests: 1})
		msg := resp.Choices[0].Message
		msg.Role = openai.ChatMessageRoleAssistant
		conv.Messages = append(conv.Messages, msg)
		if len(msg.ToolCalls) == 0 {
			emit(Answer{Text: strings.TrimSpace(msg.Content), Usage: conv.Usage})
			return nil
		}
		conv.Messages = append(conv.Messages, l.runTools(ctx, msg.ToolCalls, seen, emit)...)
	}
	return l.budgetEnded(conv, fmt.Sprintf("step (%d model calls)", l.opts.MaxSteps), emit)
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
	text += "\nAsk a narrower follow-up question to continue."
	emit(Answer{Text: text, Usage: conv.Usage, Budget: budget})
	return nil
}

// runTools runs one turn's tool calls concurrently and returns their result
// messages in the order the model asked for them.
func (l *Loop) runTools(ctx context.Context, calls []openai.ToolCall, seen map[string]string, emit func(Event)) []openai.ChatCompletionMessage {
	out := make([]openai.ChatCompletionMessage, len(calls))
	var mu sync.Mutex // guards seen and serialises emit
	var wg sync.WaitGroup
	for i, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := l.runTool(ctx, call, seen, &mu, emit)
			out[i] = openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: call.ID, Name: call.Function.Name, Content: text}
		}()
	}
	wg.Wait()
	return out
}

func (l *Loop) runTool(ctx context.Context, call openai.ToolCall, seen map[string]string, mu *sync.Mutex, emit func(Event)) string {
	locked := func(e Event) { mu.Lock(); defer mu.Unlock(); emit(e) }
	tool, args, err := l.tools.Decode(call.Function.Name, call.Function.Arguments)
	if err != nil {
		locked(Progress{Tool: call.Function.Name, Done: true, Err: err.Error()})
		return "error: " + err.Error()
	}
	key := call.Function.Name + " " + canonicalJSON(args)
	mu.Lock()
	earlier, repeated := seen[key]
	mu.Unlock()
	if repeated {
		return "You already made this exact call; its result was:\n" + earlier + "\nUse it instead of repeating the call, or try something different."
	}
	target := tool.Target(args)
	locked(Progress{Tool: tool.Name(), Target: target})
	start := time.Now()
	res, err := tool.Run(ctx, args)
	p := Progress{Tool: tool.Name(), Target: target, Done: true, Duration: time.Since(start)}
	if err != nil {
		p.Err = err.Error()
		locked(p)
		return "error: " + l.red.Text(err.Error())
	}
	locked(p)
	for _, f := range res.Findings {
		locked(FindingEvent{Finding: f})
	}
	if res.Proposal != nil {
		locked(ProposalEvent{Proposal: *res.Proposal})
	}
	text := l.bound(l.red.Text(res.Text))
	mu.Lock()
	seen[key] = text
	mu.Unlock()
	return text
}

// bound caps one tool result and tells the model how to narrow it.
func (l *Loop) bound(s string) string {
	if len(s) <= l.opts.MaxToolBytes {
		return s
	}
	cut := s[:l.opts.MaxToolBytes]
	if i := strings.LastIndexByte(cut, '\n'); i > 0 {
		cut = cut[:i]
	}
	return cut + fmt.Sprintf("\n[output too long: %d of %d bytes shown; narrow it with a namespace, a label selector, a name, or grep/tail for logs]", len(cut), len(s))
}

func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
