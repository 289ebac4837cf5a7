package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/kubertnetes/kubertnetes/store"
)

// groupTTL is how long a user group's members are trusted: a member
// removed in Slack can still approve for at most this long.
const groupTTL = time.Minute

// approvers decides who may approve: the listed users, and the members of
// the listed user groups (usergroups.users.list, cached for groupTTL).
type approvers struct {
	api    *slack.Client
	users  map[string]bool
	groups []string
	now    func() time.Time

	flight singleflight.Group
	mu     sync.Mutex
	cache  map[string]members
}

type members struct {
	users   map[string]bool
	fetched time.Time
}

func newApprovers(api *slack.Client, ids []string, now func() time.Time) *approvers {
	a := &approvers{api: api, users: map[string]bool{}, now: now, cache: map[string]members{}}
	for _, id := range ids {
		if strings.HasPrefix(id, "S") {
			a.groups = append(a.groups, id)
		} else {
			a.users[id] = true
		}
	}
	return a
}

// allowed reports whether user may decide on fixes. It fails closed: if a
// group cannot be read, the answer is an error, not a yes.
func (a *approvers) allowed(ctx context.Context, user string) (bool, error) {
	if a.users[user] {
		return true, nil
	}
	for _, g := range a.groups {
		m, err := a.members(ctx, g)
		if err != nil {
			return false, err
		}
		if m[user] {
			return true, nil
		}
	}
	return false, nil
}

// members returns a group's members, from the cache while it is fresh;
// concurrent clicks share one lookup.
func (a *approvers) members(ctx context.Context, group string) (map[string]bool, error) {
	a.mu.Lock()
	c, ok := a.cache[group]
	a.mu.Unlock()
	if ok && a.now().Sub(c.fetched) < groupTTL {
		return c.users, nil
	}
	v, err, _ := a.flight.Do(group, func() (any, error) {
		ids, err := a.api.GetUserGroupMembersContext(ctx, group)
		if err != nil {
			return nil, fmt.Errorf("read members of user group %s (the app needs the usergroups:read scope): %w", group, err)
		}
		m := members{users: map[string]bool{}, fetched: a.now()}
		for _, id := range ids {
			m.users[id] = true
		}
		a.mu.Lock()
		a.cache[group] = m
		a.mu.Unlock()
		return m.users, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(map[string]bool), nil
}

// refusal is why user may not make this decision, or "" when they may.
func (b *Bot) refusal(ctx context.Context, user string, rec store.Proposal, approve bool) string {
	ok, err := b.approve.allowed(ctx, user)
	switch {
	case err != nil:
		b.log.Warn("approver check failed", zap.Error(err))
		return "I could not check whether you may approve fixes (Slack did not give me the approver group's members). Nothing was changed; try again in a moment."
	case !ok:
		return "You are not allowed to approve or reject fixes. Ask one of the approvers listed in KUBERTNETES_APPROVERS. Nothing was changed."
	case approve && b.cfg.RequesterCannotApprove && user == rec.Requester:
		return "You asked the question that led to this fix, and here someone else must approve it (KUBERTNETES_REQUESTER_CANNOT_APPROVE). Ask another approver. Nothing was changed."
	}
	return ""
}
