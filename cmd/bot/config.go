package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/kubertnetes/kubertnetes/bot"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
)

// Config is every setting kubertnetes reads, all from the environment:
// main passes os.Getenv to run, run passes it to loadConfig, and every
// command takes its settings from here. An empty variable counts as unset.
type Config struct {
	SlackBotToken string        `env:"SLACK_BOT_TOKEN"`
	SlackAppToken string        `env:"SLACK_APP_TOKEN"`
	SlackAPIURL   string        `env:"SLACK_API_URL" envDefault:"https://slack.com/api/"`
	SlackTimeout  time.Duration `env:"KUBERTNETES_SLACK_TIMEOUT" envDefault:"30s"`
	OpenAIAPIKey  string        `env:"OPENAI_API_KEY"`
	OpenAIBaseURL string        `env:"OPENAI_BASE_URL"`
	OpenAIAPIType string        `env:"OPENAI_API_TYPE" envDefault:"openai"`
	AzureVersion  string        `env:"OPENAI_API_VERSION" envDefault:"2024-10-21"`
	Model         string        `env:"KUBERTNETES_MODEL"`
	Kubeconfig    string        `env:"KUBECONFIG"`
	KubeContext   string        `env:"KUBERTNETES_CONTEXT"`
	Approvers     []string      `env:"KUBERTNETES_APPROVERS"`
	Channels      []string      `env:"KUBERTNETES_CHANNELS"`
	Askers        []string      `env:"KUBERTNETES_ASKERS"`
	AllowDMs      bool          `env:"KUBERTNETES_ALLOW_DMS"`
	DMApprovals   bool          `env:"KUBERTNETES_DM_APPROVALS"`
	LogLevel      string        `env:"KUBERTNETES_LOG_LEVEL"`
	MaxSteps      int           `env:"KUBERTNETES_MAX_STEPS" envDefault:"12"`
	ProposalTTL   time.Duration `env:"KUBERTNETES_PROPOSAL_TTL" envDefault:"30m"`
	CacheDir      string        `env:"KUBERTNETES_CACHE_DIR"`
	HTTPAddr      string        `env:"KUBERTNETES_HTTP_ADDR" envDefault:":8080"`

	// the agent's budgets and scripts
	Runbooks     string        `env:"KUBERTNETES_RUNBOOKS"`
	ToolTokens   int           `env:"KUBERTNETES_TOOL_TOKENS" envDefault:"2000"`
	TurnTokens   int           `env:"KUBERTNETES_TURN_TOKENS" envDefault:"250000"`
	ThreadTokens int           `env:"KUBERTNETES_THREAD_TOKENS" envDefault:"1000000"`
	Timeout      time.Duration `env:"KUBERTNETES_TIMEOUT" envDefault:"5m"`
	// State is serve's state file (bbolt), or "memory"; see statePath.
	State                  string        `env:"KUBERTNETES_STATE"`
	StateRetention         time.Duration `env:"KUBERTNETES_STATE_RETENTION" envDefault:"168h"`
	RequesterCannotApprove bool          `env:"KUBERTNETES_REQUESTER_CANNOT_APPROVE"`
	Prices                 string        `env:"KUBERTNETES_PRICES"`

	// the fix path: who applies, what may be changed, how long to verify
	Impersonate        string        `env:"KUBERTNETES_IMPERSONATE"`
	FixAllowNamespaces []string      `env:"KUBERTNETES_FIX_ALLOW_NAMESPACES"`
	FixAllowKinds      []string      `env:"KUBERTNETES_FIX_ALLOW_KINDS"`
	FixAllowChanges    []string      `env:"KUBERTNETES_FIX_ALLOW_CHANGES"`
	VerifyTimeout      time.Duration `env:"KUBERTNETES_VERIFY_TIMEOUT" envDefault:"2m"`

	// where the defaults of KUBECONFIG, KUBERTNETES_STATE and
	// KUBERTNETES_CACHE_DIR are, and, in a pod, the API server's address
	// for the in-cluster config
	Home                  string `env:"HOME"`
	XDGStateHome          string `env:"XDG_STATE_HOME"`
	XDGCacheHome          string `env:"XDG_CACHE_HOME"`
	KubernetesServiceHost string `env:"KUBERNETES_SERVICE_HOST"`
	KubernetesServicePort string `env:"KUBERNETES_SERVICE_PORT"`

	level       zapcore.Level
	prices      map[string]bot.Price      // parsed Prices, by model name
	impersonate map[string]fixer.Identity // parsed Impersonate, by Slack user id
}

// logLevel is the configured level, or the command's own default when
// KUBERTNETES_LOG_LEVEL is unset: info for the bot, warn for terminal
// commands, whose screen is for answers (audit lines still go to the
// cluster as Events).
func (c Config) logLevel(def zapcore.Level) zapcore.Level {
	if c.LogLevel == "" {
		return def
	}
	return c.level
}

// configError is a setting that is missing or malformed: exit code 2,
// one sentence naming it and saying how to fix it.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{msg: fmt.Sprintf(format, args...)}
}

var (
	slackUserID = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)
	slackChanID = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)
)

// loadConfig reads the settings with getenv and validates them.
func loadConfig(getenv func(string) string) (Config, error) {
	var c Config
	if err := decodeEnv(&c, getenv); err != nil {
		var ee *envError
		if errors.As(err, &ee) {
			return c, configErrorf("%s=%q is not a valid %s; %s", ee.key, ee.value, ee.typ, hint(ee.key))
		}
		return c, configErrorf("reading configuration: %v", err)
	}
	if err := c.level.UnmarshalText([]byte(c.LogLevel)); c.LogLevel != "" && err != nil {
		return c, configErrorf("KUBERTNETES_LOG_LEVEL=%q is not a level; use debug, info, warn or error", c.LogLevel)
	}
	if c.MaxSteps < 1 || c.MaxSteps > 100 {
		return c, configErrorf("KUBERTNETES_MAX_STEPS=%d is out of range; use 1 to 100 (default 12)", c.MaxSteps)
	}
	for _, b := range []struct {
		key      string
		val, min int
	}{{"KUBERTNETES_TOOL_TOKENS", c.ToolTokens, 100}, {"KUBERTNETES_TURN_TOKENS", c.TurnTokens, 1000}, {"KUBERTNETES_THREAD_TOKENS", c.ThreadTokens, 1000}} {
		if b.val < b.min {
			return c, configErrorf("%s=%d is too small; use at least %d", b.key, b.val, b.min)
		}
	}
	if c.Timeout < 10*time.Second {
		return c, configErrorf("KUBERTNETES_TIMEOUT=%s is too short; use at least 10s (default 5m)", c.Timeout)
	}
	if c.ProposalTTL < time.Minute {
		return c, configErrorf("KUBERTNETES_PROPOSAL_TTL=%s is too short; use at least 1m (default 30m)", c.ProposalTTL)
	}
	if c.StateRetention < time.Hour || c.StateRetention < c.ProposalTTL {
		return c, configErrorf("KUBERTNETES_STATE_RETENTION=%s is too short; use at least 1h and no less than KUBERTNETES_PROPOSAL_TTL (default 168h, a week)", c.StateRetention)
	}
	prices, err := parsePrices(c.Prices)
	if err != nil {
		return c, err
	}
	c.prices = prices
	if c.SlackBotToken != "" && !strings.HasPrefix(c.SlackBotToken, "xoxb-") {
		return c, configErrorf("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (Slack app settings → OAuth & Permissions → Bot User OAuth Token)")
	}
	if c.SlackAppToken != "" && !strings.HasPrefix(c.SlackAppToken, "xapp-") {
		return c, configErrorf("SLACK_APP_TOKEN must be an app-level token starting with xapp- (Slack app settings → Basic Information → App-Level Tokens, scope connections:write)")
	}
	if !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}
	for _, list := range []struct {
		key string
		ids []string
	}{{"KUBERTNETES_APPROVERS", c.Approvers}, {"KUBERTNETES_ASKERS", c.Askers}} {
		for _, a := range list.ids {
			if !slackUserID.MatchString(a) {
				return c, configErrorf("%s has %q, which is not a Slack user or user-group id (like U024BE7LH or S0614TZR7); list ids separated by commas", list.key, a)
			}
		}
	}
	if c.SlackTimeout < time.Second {
		return c, configErrorf("KUBERTNETES_SLACK_TIMEOUT=%s is too short; use at least 1s (default 30s)", c.SlackTimeout)
	}
	for _, ch := range c.Channels {
		if !slackChanID.MatchString(ch) {
			return c, configErrorf("KUBERTNETES_CHANNELS has %q, which is not a Slack channel id (like C024BE91L); list ids separated by commas", ch)
		}
	}
	switch strings.ToLower(c.OpenAIAPIType) {
	case "openai", "azure":
	default:
		return c, configErrorf("OPENAI_API_TYPE=%q is not supported; use openai (also for Ollama, vLLM and other compatible servers) or azure", c.OpenAIAPIType)
	}
	if c.modelConfigured() && c.Model == "" {
		if c.OpenAIBaseURL != "" {
			return c, configErrorf("KUBERTNETES_MODEL is required when OPENAI_BASE_URL is set: name the model or deployment to use (e.g. llama3.1 for Ollama)")
		}
		c.Model = "gpt-4o-mini"
	}
	if strings.EqualFold(c.OpenAIAPIType, "azure") && (c.OpenAIBaseURL == "" || c.OpenAIAPIKey == "") {
		return c, configErrorf("OPENAI_API_TYPE=azure needs OPENAI_BASE_URL (https://NAME.openai.azure.com) and OPENAI_API_KEY")
	}
	if err := c.loadFixConfig(); err != nil {
		return c, err
	}
	return c, nil
}

// modelConfigured reports whether an LLM is set up; without one the
// offline brain answers.
func (c Config) modelConfigured() bool { return c.OpenAIAPIKey != "" || c.OpenAIBaseURL != "" }

// slackConfigured reports whether serve can run.
func (c Config) slackConfigured() bool { return c.SlackBotToken != "" && c.SlackAppToken != "" }

func (c Config) requireSlack() error {
	switch {
	case c.SlackBotToken == "" && c.SlackAppToken == "":
		return configErrorf("serve needs SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…); see the README's Slack setup. Without Slack, run `kubertnetes chat`")
	case c.SlackBotToken == "":
		return configErrorf("SLACK_BOT_TOKEN is not set; serve needs the bot token (xoxb-…) as well as SLACK_APP_TOKEN")
	case c.SlackAppToken == "":
		return configErrorf("SLACK_APP_TOKEN is not set; serve needs the app-level token (xapp-…, scope connections:write) as well as SLACK_BOT_TOKEN")
	}
	return nil
}

// parsePrices reads KUBERTNETES_PRICES: MODEL=PROMPT/COMPLETION entries in
// USD per million tokens, separated by commas.
func parsePrices(v string) (map[string]bot.Price, error) {
	prices := map[string]bot.Price{}
	for entry := range strings.SplitSeq(v, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		model, pair, ok := strings.Cut(entry, "=")
		prompt, completion, ok2 := strings.Cut(pair, "/")
		p, err1 := strconv.ParseFloat(strings.TrimSpace(prompt), 64)
		c, err2 := strconv.ParseFloat(strings.TrimSpace(completion), 64)
		if !ok || !ok2 || strings.TrimSpace(model) == "" || err1 != nil || err2 != nil || p < 0 || c < 0 {
			return nil, configErrorf("KUBERTNETES_PRICES has %q; write MODEL=PROMPT/COMPLETION in USD per million tokens, entries separated by commas, e.g. gpt-4o-mini=0.15/0.60", entry)
		}
		prices[strings.TrimSpace(model)] = bot.Price{Prompt: p, Completion: c}
	}
	return prices, nil
}

// price is the configured model's price, if KUBERTNETES_PRICES names it.
func (c Config) price() bot.Price { return c.prices[c.Model] }

// statePath is where serve keeps its state: KUBERTNETES_STATE, else
// $XDG_STATE_HOME/kubertnetes/state.db, else
// ~/.local/state/kubertnetes/state.db. "" with no error means in memory
// (KUBERTNETES_STATE=memory).
func (c Config) statePath() (string, error) {
	switch {
	case strings.EqualFold(c.State, "memory"):
		return "", nil
	case c.State != "":
		return c.State, nil
	case c.XDGStateHome != "":
		return filepath.Join(c.XDGStateHome, "kubertnetes", "state.db"), nil
	case c.Home != "":
		return filepath.Join(c.Home, ".local", "state", "kubertnetes", "state.db"), nil
	}
	return "", configErrorf("KUBERTNETES_STATE is not set and there is no home directory for the default (~/.local/state/kubertnetes/state.db); set it to a file path, or to memory to keep no state across restarts")
}

// cacheDir is where the playground's control-plane binaries are cached:
// KUBERTNETES_CACHE_DIR, else kubertnetes/localcluster in the user cache
// directory, found as os.UserCacheDir finds it ($XDG_CACHE_HOME, else
// ~/.cache; ~/Library/Caches on macOS).
func (c Config) cacheDir() (string, error) {
	var base string
	switch {
	case c.CacheDir != "":
		return c.CacheDir, nil
	case runtime.GOOS == "darwin" && c.Home != "":
		base = filepath.Join(c.Home, "Library", "Caches")
	case runtime.GOOS != "darwin" && c.XDGCacheHome != "":
		base = c.XDGCacheHome
	case c.Home != "":
		base = filepath.Join(c.Home, ".cache")
	default:
		return "", configErrorf("KUBERTNETES_CACHE_DIR is not set and there is no home directory for the default (~/.cache/kubertnetes/localcluster); set it to a directory for the playground's binaries")
	}
	return filepath.Join(base, "kubertnetes", "localcluster"), nil
}

// kubeconfigPaths are the kubeconfig files to merge, first wins, as
// kubectl merges them: KUBECONFIG's list, else ~/.kube/config. Files
// that do not exist are skipped.
func (c Config) kubeconfigPaths() []string {
	switch {
	case c.Kubeconfig != "":
		return filepath.SplitList(c.Kubeconfig)
	case c.Home != "":
		return []string{filepath.Join(c.Home, ".kube", "config")}
	}
	return nil
}

func hint(key string) string {
	switch key {
	case "KUBERTNETES_MAX_STEPS":
		return "set it to a whole number such as 12"
	case "KUBERTNETES_PROPOSAL_TTL":
		return "set it to a duration such as 30m or 1h"
	case "KUBERTNETES_STATE_RETENTION":
		return "set it to a duration such as 168h (a week)"
	case "KUBERTNETES_REQUESTER_CANNOT_APPROVE", "KUBERTNETES_ALLOW_DMS", "KUBERTNETES_DM_APPROVALS":
		return "set it to true or false"
	case "KUBERTNETES_SLACK_TIMEOUT":
		return "set it to a duration such as 30s"
	case "KUBERTNETES_VERIFY_TIMEOUT":
		return "set it to a duration such as 2m"
	default:
		return "correct or unset it"
	}
}
