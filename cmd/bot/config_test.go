package main

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/bot"
)

// env is a getenv that knows only m: a test's settings, nothing of the
// process environment.
func env(m map[string]string) func(string) string {
	return func(key string) string { return m[key] }
}

// settingKeys are the variables kubertnetes reads (Config's env tags, as
// loadConfig reads them).
func settingKeys() []string {
	keys, err := envKeys(&Config{})
	if err != nil {
		panic(err) // Config's tags are fixed; every config test fails too
	}
	return keys
}

// childEnv is the environment for kubertnetes as a child process: this
// process's, without any variable kubertnetes reads, plus m.
func childEnv(m map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains(settingKeys(), k) {
			out = append(out, kv)
		}
	}
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
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
		{"asker that is no user id", map[string]string{"KUBERTNETES_ASKERS": "U123ABC,@bob"}, nil, `KUBERTNETES_ASKERS has "@bob"`},
		{"dms not a bool", map[string]string{"KUBERTNETES_ALLOW_DMS": "maybe"}, nil, `KUBERTNETES_ALLOW_DMS="maybe" is not a valid bool; set it to true or false`},
		{"slack timeout too short", map[string]string{"KUBERTNETES_SLACK_TIMEOUT": "10ms"}, nil, "KUBERTNETES_SLACK_TIMEOUT=10ms is too short"},
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
			var out bytes.Buffer
			err := run(context.Background(), tt.args, env(tt.env), stdio{in: strings.NewReader(""), out: &out, err: &out})
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
	c, err := loadConfig(env(map[string]string{"OPENAI_API_KEY": "sk-x", "SLACK_API_URL": "http://127.0.0.1:1/api"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != "gpt-4o-mini" || c.MaxSteps != 12 || c.SlackAPIURL != "http://127.0.0.1:1/api/" || c.slackConfigured() || !c.modelConfigured() ||
		c.SlackTimeout != 30*time.Second || c.AllowDMs || c.DMApprovals || len(c.Askers) != 0 {
		t.Errorf("config = %+v", c)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), stdio{out: &out, err: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "kubertnetes ") {
		t.Errorf("version printed %q", out.String())
	}
}

func TestPricesAndStatePath(t *testing.T) {
	c, err := loadConfig(env(map[string]string{
		"OPENAI_API_KEY":     "sk-x",
		"KUBERTNETES_MODEL":  "gpt-4o",
		"KUBERTNETES_PRICES": " gpt-4o-mini=0.15/0.60 , gpt-4o=2.5/10",
		"XDG_STATE_HOME":     "/var/state",
	}))
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
		c.State, c.XDGStateHome, c.Home = tt.state, tt.xdg, tt.home
		if got, err := c.statePath(); err != nil || got != tt.want {
			t.Errorf("statePath(KUBERTNETES_STATE=%q, XDG_STATE_HOME=%q) = %q, %v; want %q", tt.state, tt.xdg, got, err, tt.want)
		}
	}
}

// Settings come only from the getenv run is given: the process
// environment, even a broken setting in it, is not read.
func TestConfigReadsOnlyTheGivenEnvironment(t *testing.T) {
	t.Setenv("KUBERTNETES_MAX_STEPS", "lots")
	t.Setenv("OPENAI_API_KEY", "sk-from-the-process")
	c, err := loadConfig(env(map[string]string{"KUBERTNETES_MAX_STEPS": "7"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxSteps != 7 || c.OpenAIAPIKey != "" {
		t.Errorf("max steps %d, key %q: want 7 and none", c.MaxSteps, c.OpenAIAPIKey)
	}
	// An empty setting is an unset one: its default applies.
	if c, err = loadConfig(env(map[string]string{"KUBERTNETES_MAX_STEPS": ""})); err != nil || c.MaxSteps != 12 {
		t.Errorf("empty KUBERTNETES_MAX_STEPS: %v, %d; want the default 12", err, c.MaxSteps)
	}
}

func TestCacheDir(t *testing.T) {
	darwin := runtime.GOOS == "darwin"
	tests := []struct {
		name             string
		cache, xdg, home string
		want, wantDarwin string
	}{
		{"set", "/srv/cache", "/xdg", "/home/u", "/srv/cache", "/srv/cache"},
		{"xdg", "", "/xdg", "/home/u", "/xdg/kubertnetes/localcluster", "/home/u/Library/Caches/kubertnetes/localcluster"},
		{"home", "", "", "/home/u", "/home/u/.cache/kubertnetes/localcluster", "/home/u/Library/Caches/kubertnetes/localcluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if darwin {
				want = tt.wantDarwin
			}
			got, err := Config{CacheDir: tt.cache, XDGCacheHome: tt.xdg, Home: tt.home}.cacheDir()
			if err != nil || got != want {
				t.Errorf("cacheDir() = %q, %v; want %q", got, err, want)
			}
		})
	}
	if _, err := (Config{}).cacheDir(); err == nil || !strings.Contains(err.Error(), "KUBERTNETES_CACHE_DIR is not set") {
		t.Errorf("no home: err = %v, want one naming KUBERTNETES_CACHE_DIR", err)
	}
}
