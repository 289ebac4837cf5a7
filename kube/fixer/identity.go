package fixer

import (
	"fmt"
	"strings"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// Identity is who a fix is applied as. The zero value is the Fixer's own
// identity (its rest.Config); otherwise the Fixer impersonates this user
// and groups, so the cluster's RBAC decides what the approver may change.
// The Fixer's identity must then hold the impersonate verb on users and
// groups.
type Identity struct {
	User   string   `json:"user,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// IsZero reports whether i is the Fixer's own identity.
func (i Identity) IsZero() bool { return i.User == "" && len(i.Groups) == 0 }

func (i Identity) String() string {
	switch {
	case i.IsZero():
		return "kubertnetes' fixer identity"
	case len(i.Groups) == 0:
		return i.User
	default:
		return fmt.Sprintf("%s (groups %s)", i.User, strings.Join(i.Groups, ", "))
	}
}

// client returns a dynamic client acting as id: the base client for the
// zero identity, else one impersonating id.
func (f *Fixer) client(id Identity) (dynamic.Interface, error) {
	if id.IsZero() {
		return f.dyn, nil
	}
	if id.User == "" {
		return nil, fmt.Errorf("impersonate groups %v: a user name is required", id.Groups)
	}
	cfg := rest.CopyConfig(f.cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: id.User, Groups: append([]string(nil), id.Groups...)}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client impersonating %s: %w", id, err)
	}
	return dyn, nil
}
