package bot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/fixflow"
	"github.com/kubertnetes/kubertnetes/internal/slacktest"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
	"github.com/kubertnetes/kubertnetes/store"
)

// echoBrain answers every question with what it was asked and how much of
// the conversation it remembers, so tests can see routing and memory.
type echoBrain struct {
	mu     sync.Mutex
	asked  []string
	delay  time.Duration                          // a slow model
	gate   chan struct{}                          // when set, answers wait until it is closed
	err    error                                  // when set, Ask fails with it instead of answering
	before func(q string, emit func(agent.Event)) // events before the answer
	active atomic.Int32                           // Asks running now
}

func (*echoBrain) Name() string { return "echo" }

func (b *echoBrain) Ask(ctx context.Context, conv *agent.Conversation, q string, emit func(agent.Event)) error {
	b.active.Add(1)
	defer b.active.Add(-1)
	b.mu.Lock()
	b.asked = append(b.asked, q)
	delay, gate, fail, before := b.delay, b.gate, b.err, b.before
	b.mu.Unlock()
	remembered := len(conv.Messages)
	conv.Note(q) // before any event, so checkpoints hold the question
	emit(agent.Progress{Tool: "get", Target: "pods", Done: true, Duration: time.Millisecond})
	if before != nil {
		before(q, emit)
	}
	if delay > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
	if gate != nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-gate:
		}
	}
	if fail != nil {
		return fail
	}
	conv.Usage = conv.Usage.Add(agent.Usage{PromptTokens: 1000, CompletionTokens: 100, Requests: 1})
	emit(agent.Answer{Text: fmt.Sprintf("answer to %q (remembered %d)", q, remembered)})
	return nil
}

func (b *echoBrain) set(f func(b *echoBrain)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(b)
}

// hold makes answers wait until release is called.
func (b *echoBrain) hold() (release func()) {
	gate := make(chan struct{})
	b.set(func(b *echoBrain) { b.gate = gate })
	return sync.OnceFunc(func() { close(gate) })
}

func (b *echoBrain) questions() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.asked...)
}

// fakeApplier records the previews it applies.
type fakeApplier struct {
	mu      sync.Mutex
	applied []string      // proposal targets, in order
	gate    chan struct{} // when set, Apply waits until it is closed
}

// hold makes Apply wait until release is called.
func (a *fakeApplier) hold() (release func()) {
	gate := make(chan struct{})
	a.mu.Lock()
	a.gate = gate
	a.mu.Unlock()
	return sync.OnceFunc(func() { close(gate) })
}

func (a *fakeApplier) Apply(ctx context.Context, p kube.Preview, _ fixflow.Identity) (fixer.Applied, error) {
	a.mu.Lock()
	gate := a.gate
	a.mu.Unlock()
	if gate != nil {
		select {
		case <-ctx.Done():
			return fixer.Applied{}, ctx.Err()
		case <-gate:
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.applied = append(a.applied, p.Fix.Target.Name)
	return fixer.Applied{ResourceVersion: fmt.Sprint(100 + len(a.applied)), At: time.Now()}, nil
}

// Verify sees the fix work at once.
func (a *fakeApplier) Verify(context.Context, fixer.Applied, fixflow.VerifyOptions) (fixflow.Verification, error) {
	return fixflow.Verification{Verified: true, Seen: []string{"rolled out"}}, nil
}

func (a *fakeApplier) Plan(_ context.Context, fix kube.Fix) ([]kube.Preview, error) {
	return []kube.Preview{{Fix: fix, Kind: fix.Target.Kind, ResourceVersion: "1", PatchHash: "preview0123456"}}, nil
}

func (a *fakeApplier) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.applied)
}

// proposal is a previewed fix for the Deployment name.
func proposal(id, name string) agent.Proposal {
	return agent.Proposal{ID: id, Preview: kube.Preview{
		Fix: kube.Fix{Target: kube.Target{Kind: "Deployment", Namespace: "shop", Name: name}, Operation: kube.OpSetEnv,
			Env: map[string]string{"PORT": "8080"}, Rationale: "PORT is not a number", Risk: "one restart"},
		Kind: "Deployment", ResourceVersion: "42", PatchHash: "0123456789abcdef", Diff: "-  value: eighty\n+  value: \"8080\"",
	}}
}

// setup is what a test bot is made of; zero fields get test defaults.
type setup struct {
	cfg     Config
	slack   []slacktest.Option
	fake    *slacktest.Server // reuse a fake Slack (a restarted bot)
	store   store.Store
	brain   *echoBrain
	applier fixflow.Fixer
	clock   clock // nil: the system clock
	log     *zap.Logger
}

type harness struct {
	bot     *Bot
	sent    *countingTransport // Web API requests the bot started
	slack   *slacktest.Server
	brain   *echoBrain
	store   store.Store
	applier *fakeApplier
	stop    func() error // cancels Run and returns what it returned
}

func startBot(t *testing.T, cfg Config, opts ...slacktest.Option) *harness {
	t.Helper()
	return start(t, setup{cfg: cfg, slack: opts})
}

func start(t *testing.T, s setup) *harness {
	t.Helper()
	if s.fake == nil {
		s.fake = slacktest.New(t, s.slack...)
	}
	if s.store == nil {
		s.store = store.NewMemory(store.Retention{})
	}
	if s.brain == nil {
		s.brain = &echoBrain{}
	}
	fa, _ := s.applier.(*fakeApplier)
	if s.applier == nil {
		fa = &fakeApplier{}
		s.applier = fa
	}
	if s.cfg.PostInterval == 0 {
		s.cfg.PostInterval = time.Millisecond // pacing has its own test
	}
	sent := &countingTransport{next: http.DefaultTransport}
	api := slack.New(s.fake.BotToken(), slack.OptionAppLevelToken(s.fake.AppToken()), slack.OptionAPIURL(s.fake.APIURL()),
		slack.OptionHTTPClient(&http.Client{Transport: sent}))
	// An applier that also audits is used for that too.
	au, _ := s.applier.(fixflow.Auditor)
	if s.clock == nil {
		s.clock = systemClock{}
	}
	b, err := newBot(s.cfg, Deps{API: api, Socket: socketmode.New(api), Brain: s.brain, Fixer: s.applier, Auditor: au, Store: s.store, Log: s.log}, s.clock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				runErr = fmt.Errorf("Run did not return within 10s of cancellation")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run returned %v", err)
		}
	})
	s.fake.WaitConnected(t, 1)
	return &harness{bot: b, sent: sent, slack: s.fake, brain: s.brain, store: s.store, applier: fa, stop: stop}
}

func (h *harness) answers(channel, thread string) []string {
	var out []string
	for _, m := range h.slack.Thread(channel, thread) {
		if m.BotID != "" && strings.HasPrefix(m.Text, "answer to") {
			out = append(out, m.Text)
		}
	}
	return out
}

func (h *harness) waitAnswers(t *testing.T, channel, thread string, n int) []string {
	t.Helper()
	h.slack.WaitUntil(t, 10*time.Second, func() bool { return len(h.answers(channel, thread)) >= n }, "%d answer(s) in thread %s", n, thread)
	return h.answers(channel, thread)
}

// botMessage waits for a bot message in the thread whose text or blocks
// contain text.
func (h *harness) botMessage(t *testing.T, channel, thread, text string) slacktest.Message {
	t.Helper()
	return h.slack.WaitForMessage(t, channel, thread, func(m slacktest.Message) bool {
		return m.BotID != "" && strings.Contains(m.Text+"\n"+string(m.BlocksJSON), text)
	}, 10*time.Second)
}

// settle waits until the bot has handled everything the fake Slack sent it
// and finished the work that caused (redeliveries and echoes of its own
// posts included), so that a test can assert something did not happen.
func (h *harness) settle(t *testing.T) {
	t.Helper()
	h.slack.WaitIdle(t, 15*time.Second, func() bool { return h.bot.pending.Load() == 0 })
}

// within fails the test unless f returns within 10 s; f must not call
// t.Fatal.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return within 10s", what)
	}
}

// ephemeral waits for an ephemeral message to user containing text.
func (h *harness) ephemeral(t *testing.T, channel, user, text string) {
	t.Helper()
	h.slack.WaitUntil(t, 10*time.Second, func() bool {
		for _, e := range h.slack.Ephemerals(channel) {
			if e.User == user && strings.Contains(e.Text, text) {
				return true
			}
		}
		return false
	}, "an ephemeral to %s containing %q", user, text)
}

// countingTransport counts the Web API requests the bot starts.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}
