package main

import (
	"net/http"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// maxSocketFrame bounds one Socket Mode message: Slack's envelopes are a
// few kilobytes, and a larger one is not held in memory.
const maxSocketFrame = 1 << 20

// slackClients are serve's Slack clients: the Web API over an HTTP client
// whose every call ends within KUBERTNETES_SLACK_TIMEOUT (a stalled Slack
// cannot hang a post, a click or shutdown), and Socket Mode dialling within
// the same bound and refusing frames over maxSocketFrame.
func slackClients(cfg Config) (*slack.Client, *socketmode.Client) {
	api := slack.New(cfg.SlackBotToken, slack.OptionAppLevelToken(cfg.SlackAppToken), slack.OptionAPIURL(cfg.SlackAPIURL),
		slack.OptionHTTPClient(&http.Client{Timeout: cfg.SlackTimeout}))
	dialer := &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: cfg.SlackTimeout}
	return api, socketmode.New(api, socketmode.OptionDialer(dialer), socketmode.OptionReadLimit(maxSocketFrame))
}
