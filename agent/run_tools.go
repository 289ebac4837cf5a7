package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/kubertnetes/kubertnetes/internal/safe"
)

// runTools runs one turn's tool calls concurrently, at most TurnToolCalls
// of them (the rest answer that they were not run), and returns their
// result messages in the order the model asked for them.
func (l *Loop) runTools(ctx context.Context, calls []openai.ToolCall, seen map[string]string, emit func(Event)) []openai.ChatCompletionMessage {
	out := make([]openai.ChatCompletionMessage, len(calls))
	var mu sync.Mutex // guards seen and serialises emit
	var wg sync.WaitGroup
	for i, call := range calls {
		if i >= l.opts.TurnToolCalls {
			out[i] = openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: call.ID, Name: call.Function.Name,
				Content: fmt.Sprintf("error: not run: you asked for %d tool calls at once and at most %d run in one turn. Ask again for at most %d, the most useful first.", len(calls), l.opts.TurnToolCalls, l.opts.TurnToolCalls)}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: call.ID, Name: call.Function.Name}
			// A tool that panics on hostile input (a model's arguments, a
			// cluster object) fails that call, never the process; the
			// stack goes to the log, a redacted line to the model.
			err := safe.CallRedacted(l.opts.Log, l.red.Text, "tool "+call.Function.Name, func() error {
				out[i].Content = l.runTool(ctx, call.Function.Name, call.Function.Arguments, seen, &mu, emit)
				return nil
			})
			if err != nil {
				out[i].Content = fmt.Sprintf("error: the %s tool failed unexpectedly (%s); try another tool or other arguments", call.Function.Name, err)
			}
		}()
	}
	wg.Wait()
	return out
}

// runProse runs commands the model wrote as prose through the kubectl tool
// and returns one message carrying their results and a reminder.
func (l *Loop) runProse(ctx context.Context, cmds []string, seen map[string]string, emit func(Event)) string {
	var mu sync.Mutex
	var b strings.Builder
	b.WriteString("[kubertnetes] You wrote commands instead of calling a tool; I ran them read-only with the kubectl tool. Next time call the tools directly.\n")
	for _, c := range cmds {
		args, _ := json.Marshal(kubectlArgs{Command: c})
		fmt.Fprintf(&b, "\n$ %s\n%s\n", c, l.runTool(ctx, "kubectl", string(args), seen, &mu, emit))
	}
	return b.String()
}

// runTool validates, runs, redacts and bounds one tool call. Every failure
// becomes text the model can act on, never a crash.
func (l *Loop) runTool(ctx context.Context, name, rawArgs string, seen map[string]string, mu *sync.Mutex, emit func(Event)) string {
	locked := func(e Event) { mu.Lock(); defer mu.Unlock(); emit(e) }
	tool, args, err := l.tools.Decode(name, rawArgs)
	if err != nil {
		locked(Progress{Tool: name, Done: true, Err: err.Error()})
		return "error: " + err.Error()
	}
	key := name + " " + canonicalJSON(args)
	mu.Lock()
	earlier, repeated := seen[key]
	mu.Unlock()
	if repeated {
		return "You already made this exact call; its result was:\n" + earlier + "\nUse it instead of repeating the call, or try something different."
	}
	target := tool.Target(args)
	// Wait for a turn among every investigation's tool calls.
	if err := l.running.Acquire(ctx, 1); err != nil {
		return fmt.Sprintf("error: not run: the investigation ended while the %s call waited for its turn (%v)", name, err)
	}
	defer l.running.Release(1)
	locked(Progress{Tool: tool.Name(), Target: target})
	start := time.Now()
	res, err := tool.Run(ctx, args)
	p := Progress{Tool: tool.Name(), Target: target, Done: true, Duration: time.Since(start)}
	if err != nil {
		p.Err = l.red.Text(err.Error())
		locked(p)
		return "error: " + p.Err
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

// bound caps one tool result by tokens and tells the model how to narrow it.
func (l *Loop) bound(s string) string {
	head, cut := l.count.Truncate(s, l.opts.ToolTokens)
	if !cut {
		return s
	}
	return head + fmt.Sprintf("\n[output too long: only the first %d tokens are shown (%d of %d bytes). Narrow it: a namespace, a label or field selector, one object's name, or tail/grep/since_seconds for logs.]", l.opts.ToolTokens, len(head), len(s))
}

func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
