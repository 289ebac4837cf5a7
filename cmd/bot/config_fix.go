package main

import (
	"regexp"
	"strings"
	"time"

	"github.com/kubertnetes/kubertnetes/kube/fixer"
)

// k8sName is what a Kubernetes user or group name may look like here:
// printable, no separators of KUBERTNETES_IMPERSONATE's syntax.
var (
	k8sName  = regexp.MustCompile(`^[^\s=:;,]+$`)
	kindName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.[a-z0-9.-]+)?$`)
	nsName   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

// loadFixConfig validates and parses the fix path's settings.
func (c *Config) loadFixConfig() error {
	m, err := parseImpersonate(c.Impersonate)
	if err != nil {
		return err
	}
	c.impersonate = m
	for _, ns := range c.FixAllowNamespaces {
		if !nsName.MatchString(ns) {
			return configErrorf("KUBERTNETES_FIX_ALLOW_NAMESPACES has %q, which is not a namespace name; list names separated by commas (e.g. kube-system)", ns)
		}
	}
	for _, k := range c.FixAllowKinds {
		if !kindName.MatchString(k) {
			return configErrorf("KUBERTNETES_FIX_ALLOW_KINDS has %q, which is not a kind; list kinds separated by commas (e.g. Role,Secret or role.rbac.authorization.k8s.io)", k)
		}
	}
	for i, e := range c.FixAllowChanges {
		rule, ns, err := fixer.ParseAllowChange(e)
		if err != nil {
			return configErrorf("KUBERTNETES_FIX_ALLOW_CHANGES has %v (e.g. image-registry,exposure@web,privilege@kube-system)", err)
		}
		if c.FixAllowChanges[i] = string(rule); ns != "" {
			c.FixAllowChanges[i] += "@" + ns
		}
	}
	if c.VerifyTimeout < 5*time.Second || c.VerifyTimeout > time.Hour {
		return configErrorf("KUBERTNETES_VERIFY_TIMEOUT=%s is out of range; use 5s to 1h (default 2m)", c.VerifyTimeout)
	}
	return nil
}

// parseImpersonate reads KUBERTNETES_IMPERSONATE: Slack user ids mapped to
// Kubernetes identities, "U123=alice@example.com:sre,oncall;U456=bob".
func parseImpersonate(s string) (map[string]fixer.Identity, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	bad := func(entry, why string) error {
		return configErrorf("KUBERTNETES_IMPERSONATE entry %q %s; write SLACKID=user[:group,group] entries separated by ; (e.g. U024BE7LH=alice@example.com:sre,oncall;U0G9QF9C6=bob)", entry, why)
	}
	out := map[string]fixer.Identity{}
	for _, entry := range strings.Split(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		id, who, ok := strings.Cut(entry, "=")
		id, who = strings.TrimSpace(id), strings.TrimSpace(who)
		switch {
		case !ok:
			return nil, bad(entry, "has no =")
		case !slackUserID.MatchString(id) || strings.HasPrefix(id, "S"):
			return nil, bad(entry, "does not start with a Slack user id (like U024BE7LH)")
		case out[id].User != "":
			return nil, bad(entry, "maps a Slack user a second time")
		}
		user, groups, _ := strings.Cut(who, ":")
		ident := fixer.Identity{User: strings.TrimSpace(user)}
		if !k8sName.MatchString(ident.User) {
			return nil, bad(entry, "has no valid Kubernetes user name")
		}
		if groups != "" {
			for _, g := range strings.Split(groups, ",") {
				if g = strings.TrimSpace(g); !k8sName.MatchString(g) {
					return nil, bad(entry, "has an empty or invalid group name")
				}
				ident.Groups = append(ident.Groups, strings.TrimSpace(g))
			}
		}
		out[id] = ident
	}
	return out, nil
}

// fixPolicy is the Fixer's policy from configuration.
func (c Config) fixPolicy() fixer.Policy {
	return fixer.Policy{AllowNamespaces: c.FixAllowNamespaces, AllowKinds: c.FixAllowKinds, AllowChanges: c.FixAllowChanges}
}

// verifyOptions bound a verification after applying.
func (c Config) verifyOptions() fixer.VerifyOptions {
	return fixer.VerifyOptions{Timeout: c.VerifyTimeout}
}
