package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"golang.org/x/sync/singleflight"
)

// groupTTL is how long a user group's members are trusted: a member
// removed in Slack can still approve (or ask) for at most this long.
const groupTTL = time.Minute

// people is a list of who may do something (approve, ask): the listed
// users, and the members of the listed user groups (usergroups.users.list,
// cached for groupTTL).
type people struct {
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

func newPeople(api *slack.Client, ids []string, now func() time.Time) *people {
	a := &people{api: api, users: map[string]bool{}, now: now, cache: map[string]members{}}
	for _, id := range ids {
		if strings.HasPrefix(id, "S") {
			a.groups = append(a.groups, id)
		} else {
			a.users[id] = true
		}
	}
	return a
}

// empty reports whether the list names nobody.
func (a *people) empty() bool { return len(a.users) == 0 && len(a.groups) == 0 }

// Allowed reports whether user is on the list. It fails closed: if a
// group cannot be read, the answer is an error, not a yes.
func (a *people) Allowed(ctx context.Context, user string) (bool, error) {
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
func (a *people) members(ctx context.Context, group string) (map[string]bool, error) {
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
