package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/bot"
)

// settings are every variable kubertnetes reads; tests start from none.
var settings = []string{
	"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_TYPE",
	"OPENAI_API_VERSION", "KUBERTNETES_MODEL", "KUBECONFIG", "KUBERTNETES_CONTEXT", "KUBERTNETES_APPROVERS",
	"KUBERTNETES_CHANNELS", "KUBERTNETES_LOG_LEVEL", "KUBERTNETES_MAX_STEPS", "KUBERTNETES_PROPOSAL_TTL", "KUBERTNETES_CACHE_DIR",
	"KUBERTNETES_HTTP_ADDR", "KUBERTNETES_RUNBOOKS", "KUBERTNETES_TOOL_TOKENS", "KUBERTNETES_TURN_TOKENS", "KUBERTNETES_THREAD_TOKENS", "KUBERTNETES_TIMEOUT",
	"KUBERTNETES_STATE", "KUBERTNETES_STATE_RETENTION", "KUBERTNETES_REQUESTER_CANNOT_APPROVE", "KUBERTNETES_PRICES", "XDG_STATE_HOME",
	"KUBERTNETES_IMPERSONATE", "KUBERTNETES_FIX_ALLOW_NAMESPACES", "KUBERTNETES_FIX_ALLOW_KINDS", "KUBERTNETES_VERIFY_TIMEOUT",
}

// setEnv clears every setting, then sets the given ones for this test.
func setEnv(t *testing.T, kv map[string]string) {
	t.Helper()
	for _, k := range settings {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	for k, v := range kv {
		t.Setenv(k, v)
	}
}

func TestBadSettingsExitTwoNamingTheSetting(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"max steps not a number", map[string]string{"KUBERTNETES_MAX_STEPS": "lots"}, nil, `KUBERTNETES_MAX_STEPS="lots" is not a valid int`},
		{"ttl not a duration", map[string]string{"KUBERTNETES_PROPOSAL_TTL": "soon"}, nil, "KUBERTNETES_PROPOSAL_TTL"},
		{"log level", map[string]string{"KUBERTNETES_LOG_LEVEL": "loud"}, nil, "KUBERTNETES_LOG_LEVEL=\"loud\" is not a level"},
		{"bot token of the wrong kind", map[string]string{"SLACK_BOT_TOKEN": "xapp-1"}, nil, "SLACK_BOT_TOKEN must be a bot token starting with xoxb-"},
		{"app token of the wrong kind", map[string]string{"SLACK_APP_TOKEN": "xoxb-1"}, nil, "SLACK_APP_TOKEN must be an app-level token"},
		{"serve without slack", nil, []string{"serve"}, "serve needs SLACK_BOT_TOKEN"},
		{"serve with half of slack", map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, []string{"serve"}, "SLACK_APP_TOKEN is not set"},
		{"approver that is no user id", map[string]string{"KUBERTNETES_APPROVERS": "U123ABC,alice"}, nil, `KUBERTNETES_APPROVERS has "alice"`},
		{"channel that is no channel id", map[string]string{"KUBERTNETES_CHANNELS": "#general"}, nil, `KUBERTNETES_CHANNELS has "#general"`},
		{"base url without model", map[string]string{"OPENAI_BASE_URL": "http://localhost:11434/v1"}, nil, "KUBERTNETES_MODEL is required when OPENAI_BASE_URL is set"},
		{"unknown api type", map[string]string{"OPENAI_API_TYPE": "anthropic"}, nil, `OPENAI_API_TYPE="anthropic" is not supported`},
		{"azure without endpoint", map[string]string{"OPENAI_API_TYPE": "azure", "OPENAI_API_KEY": "k"}, nil, "OPENAI_API_TYPE=azure needs OPENAI_BASE_URL"},
		{"no cluster", map[string]string{"KUBECONFIG": "/nonexistent/kubeconfig"}, []string{"analyze"}, "no cluster configured: set KUBECONFIG"},
		{"unknown command", nil, []string{"fly"}, `unknown command "fly"`},
		{"price without a pair", map[string]string{"KUBERTNETES_PRICES": "gpt-4o-mini=0.15"}, nil, `KUBERTNETES_PRICES has "gpt-4o-mini=0.15"; write MODEL=PROMPT/COMPLETION`},
		{"price not a number", map[string]string{"KUBERTNETES_PRICES": "a=1/2,b=cheap/2"}, nil, `KUBERTNETES_PRICES has "b=cheap/2"`},
		{"retention shorter than the ttl", map[string]string{"KUBERTNETES_STATE_RETENTION": "2h", "KUBERTNETES_PROPOSAL_TTL": "3h"}, nil, "KUBERTNETES_STATE_RETENTION=2h0m0s is too short"},
		{"requester rule not a bool", map[string]string{"KUBERTNETES_REQUESTER_CANNOT_APPROVE": "sometimes"}, nil, "KUBERTNETES_REQUESTER_CANNOT_APPROVE"},
		{"analyze bad output", nil, []string{"analyze", "-o", "yaml"}, "-o must be text or json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			var out bytes.Buffer
			err := run(context.Background(), tt.args, stdio{in: strings.NewReader(""), out: &out, err: &out})
			var msg bytes.Buffer
			if code := exitCode(err, &msg); code != 2 {
				t.Fatalf("exit code %d (err %v), want 2", code, err)
			}
			if !strings.Contains(msg.String(), tt.want) {
				t.Errorf("message %q does not contain %q", msg.String(), tt.want)
			}
			if strings.Contains(msg.String(), "goroutine") || strings.Count(strings.TrimSpace(msg.String()), "\n") > 12 {
				t.Errorf("the message should be one clear error, got:\n%s", msg.String())
			}
		})
	}
}

func TestDefaultsWhenOnlyAKeyIsSet(t *testing.T) {
	setEnv(t, map[string]string{"OPENAI_API_KEY": "sk-x", "SLACK_API_URL": "http://127.0.0.1:1/api"})
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != "gpt-4o-mini" || c.MaxSteps != 12 || c.SlackAPIURL != "http://127.0.0.1:1/api/" || c.slackConfigured() || !c.modelConfigured() {
		t.Errorf("config = %+v", c)
	}
}

func TestVersion(t *testing.T) {
	setEnv(t, nil)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, stdio{out: &out, err: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "kubertnetes ") {
		t.Errorf("version printed %q", out.String())
	}
}

func TestPricesAndStatePath(t *testing.T) {
	setEnv(t, map[string]string{
		"OPENAI_API_KEY":     "sk-x",
		"KUBERTNETES_MODEL":  "gpt-4o",
		"KUBERTNETES_PRICES": " gpt-4o-mini=0.15/0.60 , gpt-4o=2.5/10",
		"XDG_STATE_HOME":     "/var/state",
	})
	c, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.price(), (bot.Price{Prompt: 2.5, Completion: 10}); got != want {
		t.Errorf("price = %+v, want %+v", got, want)
	}
	if c.StateRetention != 7*24*time.Hour {
		t.Errorf("retention = %v, want a week", c.StateRetention)
	}
	tests := []struct{ state, xdg, home, want string }{
		{"/data/kubertnetes.db", "/var/state", "/home/u", "/data/kubertnetes.db"},
		{"memory", "/var/state", "/home/u", ""},
		{"", "/var/state", "/home/u", "/var/state/kubertnetes/state.db"},
		{"", "", "/home/u", "/home/u/.local/state/kubertnetes/state.db"},
	}
	for _, tt := range tests {
		t.Setenv("HOME", tt.home)
		c.State, c.XDGStateHome = tt.state, tt.xdg
		if got, err := c.statePath(); err != nil || got != tt.want {
			t.Errorf("statePath(KUBERTNETES_STATE=%q, XDG_STATE_HOME=%q) = %q, %v; want %q", tt.state, tt.xdg, got, err, tt.want)
		}
	}
}
