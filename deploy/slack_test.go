package deploy_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// From the "App manifest scopes for this bot" section of the Slack
// protocol notes (shared/slack/PROTOCOL.md): exactly these, no more.
var (
	wantBotScopes = []string{
		"app_mentions:read", "chat:write", "channels:history", "groups:history",
		"im:history", "mpim:history", "reactions:write", "users:read",
	}
	wantBotEvents = []string{"app_mention", "message.channels", "message.groups", "message.im", "message.mpim"}
)

// slackManifest is the part of Slack's app manifest schema kubertnetes sets.
type slackManifest struct {
	DisplayInformation struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"display_information"`
	Features struct {
		AppHome struct {
			MessagesTabEnabled         bool `json:"messages_tab_enabled"`
			MessagesTabReadOnlyEnabled bool `json:"messages_tab_read_only_enabled"`
		} `json:"app_home"`
		BotUser *struct {
			DisplayName string `json:"display_name"`
		} `json:"bot_user"`
	} `json:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot  []string `json:"bot"`
			User []string `json:"user"`
		} `json:"scopes"`
	} `json:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents  []string `json:"bot_events"`
			UserEvents []string `json:"user_events"`
			RequestURL string   `json:"request_url"`
		} `json:"event_subscriptions"`
		Interactivity struct {
			IsEnabled  bool   `json:"is_enabled"`
			RequestURL string `json:"request_url"`
		} `json:"interactivity"`
		OrgDeployEnabled  *bool `json:"org_deploy_enabled"`
		SocketModeEnabled bool  `json:"socket_mode_enabled"`
	} `json:"settings"`
}

func TestSlackAppManifest(t *testing.T) {
	var m slackManifest
	readYAML(t, filepath.Join(".", "slack-app-manifest.yaml"), &m)

	sorted := func(s []string) []string { return slices.Sorted(slices.Values(s)) }
	if diff := cmp.Diff(sorted(wantBotScopes), sorted(m.OAuthConfig.Scopes.Bot)); diff != "" {
		t.Errorf("bot scopes (-PROTOCOL.md +manifest):\n%s", diff)
	}
	if len(m.OAuthConfig.Scopes.User) != 0 {
		t.Errorf("user scopes %q, want none: the bot acts as itself", m.OAuthConfig.Scopes.User)
	}
	if diff := cmp.Diff(sorted(wantBotEvents), sorted(m.Settings.EventSubscriptions.BotEvents)); diff != "" {
		t.Errorf("bot events (-PROTOCOL.md +manifest):\n%s", diff)
	}
	if len(m.Settings.EventSubscriptions.UserEvents) != 0 {
		t.Errorf("user events %q, want none", m.Settings.EventSubscriptions.UserEvents)
	}

	s := m.Settings
	if !s.SocketModeEnabled || !s.Interactivity.IsEnabled {
		t.Errorf("socket_mode_enabled %v, interactivity.is_enabled %v; want both true", s.SocketModeEnabled, s.Interactivity.IsEnabled)
	}
	if s.Interactivity.RequestURL != "" || s.EventSubscriptions.RequestURL != "" {
		t.Error("request_url set; Socket Mode needs none")
	}
	if s.OrgDeployEnabled == nil || *s.OrgDeployEnabled {
		t.Errorf("org_deploy_enabled = %v, want false", s.OrgDeployEnabled)
	}
	if m.DisplayInformation.Name != "kubertnetes" || m.Features.BotUser == nil || m.Features.BotUser.DisplayName != "kubertnetes" {
		t.Errorf("app name %q, bot user %+v; want kubertnetes for both", m.DisplayInformation.Name, m.Features.BotUser)
	}
	// Slack refuses a description over 140 characters.
	if n := len([]rune(m.DisplayInformation.Description)); n == 0 || n > 140 {
		t.Errorf("description is %d characters, want 1 to 140", n)
	}
	// message.im is only delivered if people can write to the bot.
	if !m.Features.AppHome.MessagesTabEnabled || m.Features.AppHome.MessagesTabReadOnlyEnabled {
		t.Error("app_home: messages tab must be enabled and writable for direct messages")
	}
}
