package slacktest

import "time"

// Option configures a Server. Options are typed values:
//
//	slacktest.New(t, slacktest.AckTimeout(200*time.Millisecond), slacktest.EchoBotMessages(false))
type Option interface {
	apply(*config)
}

// BotToken is the bot token (xoxb-…) the Web API accepts. Default "xoxb-test".
type BotToken string

// AppToken is the app-level token (xapp-…) apps.connections.open accepts. Default "xapp-test".
type AppToken string

// BotUserID is the bot's user id, as auth.test reports it. Default "UBOT111".
type BotUserID string

// BotID is the bot's bot id (B…). Default "BBOT111".
type BotID string

// BotName is the bot user's name, as auth.test and bot_profile report it. Default "kubertnetes".
type BotName string

// TeamID is the workspace id. Default "T0001".
type TeamID string

// AppID is the Slack app id (api_app_id). Default "A0001".
type AppID string

// AckTimeout is how long an events_api envelope may stay un-acked before it is
// redelivered with the next retry_attempt. Slack uses 3s, the default.
type AckTimeout time.Duration

// PingInterval is how often the server sends WebSocket ping control frames.
// Slack pings about every 10s, the default. It must stay below the client's
// socketmode.OptionPingInterval (30s by default) or the client reconnects in a loop.
type PingInterval time.Duration

// EchoBotMessages makes the bot's own chat.postMessage come back as a `message`
// event (and its chat.update as a `message_changed` event), as Slack does for an app
// subscribed to message.channels. Default true.
type EchoBotMessages bool

// MentionAlsoMessage makes a human message that mentions the bot produce both an
// `app_mention` and a plain `message` event (same ts, different event_id), as Slack
// does for an app subscribed to both. Default true.
type MentionAlsoMessage bool

func (o BotToken) apply(c *config)           { c.botToken = string(o) }
func (o AppToken) apply(c *config)           { c.appToken = string(o) }
func (o BotUserID) apply(c *config)          { c.botUserID = string(o) }
func (o BotID) apply(c *config)              { c.botID = string(o) }
func (o BotName) apply(c *config)            { c.botName = string(o) }
func (o TeamID) apply(c *config)             { c.teamID = string(o) }
func (o AppID) apply(c *config)              { c.appID = string(o) }
func (o AckTimeout) apply(c *config)         { c.ackTimeout = time.Duration(o) }
func (o PingInterval) apply(c *config)       { c.pingInterval = time.Duration(o) }
func (o EchoBotMessages) apply(c *config)    { c.echoBot = bool(o) }
func (o MentionAlsoMessage) apply(c *config) { c.mentionAlsoMessage = bool(o) }

// config is the resolved set of options; it never changes after New.
type config struct {
	botToken, appToken        string
	botUserID, botID, botName string
	teamID, appID             string
	ackTimeout, pingInterval  time.Duration
	echoBot                   bool
	mentionAlsoMessage        bool
}

func defaultConfig() config {
	return config{
		botToken:           "xoxb-test",
		appToken:           "xapp-test",
		botUserID:          "UBOT111",
		botID:              "BBOT111",
		botName:            "kubertnetes",
		teamID:             "T0001",
		appID:              "A0001",
		ackTimeout:         3 * time.Second,
		pingInterval:       10 * time.Second,
		echoBot:            true,
		mentionAlsoMessage: true,
	}
}

// maxRetries is how many times Slack redelivers an un-acked events_api envelope.
const maxRetries = 3

// maxConnections is Slack's limit of simultaneous Socket Mode connections per app.
const maxConnections = 10
