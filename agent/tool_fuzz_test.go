package agent

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/kubertnetes/kubertnetes/kube"
)

// FuzzToolArgs sends arbitrary argument text to every tool the loop
// registers, as a model (or a prompt-injected log it read) may: decoding
// never panics, a refusal is text the model can act on (it names the tool
// or the argument), and a decoded call runs against a fake cluster without
// a panic, ending as text for the model. Seeds: testdata/fuzz/FuzzToolArgs.
func FuzzToolArgs(f *testing.F) {
	l, err := NewLoop(noModel{}, &fuzzCluster{fakeCluster{text: demoDeployments}}, validatingPreviewer{}, LoopOptions{Model: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	names := l.tools.names
	f.Fuzz(func(t *testing.T, name, raw string) {
		if _, ok := l.tools.tools[name]; !ok {
			if _, _, err := l.tools.Decode(name, raw); err == nil || !strings.Contains(err.Error(), "unknown tool") {
				t.Fatalf("Decode(%q) = %v, want an unknown-tool refusal listing the tools", name, err)
			}
			name = names[len(name)%len(names)]
		}
		tool, args, err := l.tools.Decode(name, raw)
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, name) && !strings.HasPrefix(msg, "argument ") {
				t.Fatalf("Decode(%s, %q) = %q: the model cannot tell which call or argument to correct", name, raw, msg)
			}
			return
		}
		if tool.Name() != name || args == nil {
			t.Fatalf("Decode(%s) = %v, %v", name, tool, args)
		}
		_ = tool.Target(args)
		if name == "analyze" { // its Run reads lists the fake cluster does not have
			return
		}
		var mu sync.Mutex
		out := l.runTool(context.Background(), name, raw, map[string]string{}, &mu, func(Event) {})
		if strings.TrimSpace(out) == "" {
			t.Fatalf("%s(%q) gave the model no text", name, raw)
		}
	})
}

// fuzzCluster is a fakeCluster that also answers logs, with lines a grep can match.
type fuzzCluster struct{ fakeCluster }

func (c *fuzzCluster) Logs(context.Context, kube.LogsRequest) (string, error) { return c.text, nil }

// noModel is a model that is never asked: the fuzz target calls tools directly.
type noModel struct{}

func (noModel) CreateChatCompletion(context.Context, openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error) {
	return openai.ChatCompletionResponse{}, fmt.Errorf("no model in this test")
}

// validatingPreviewer checks a proposed fix as the fixer does first, and
// previews nothing.
type validatingPreviewer struct{}

func (validatingPreviewer) Plan(_ context.Context, fix kube.Fix) ([]kube.Preview, error) {
	if err := fix.Validate(); err != nil {
		return nil, err
	}
	return []kube.Preview{{Fix: fix, Diff: "--- a\n+++ b\n"}}, nil
}
