package fixflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubertnetes/kubertnetes/agent"
	"github.com/kubertnetes/kubertnetes/kube/fixer"
)

// Stage is where a decided proposal has got to.
type Stage int

// Stages, in the order a proposal goes through them.
const (
	// Rejected: a person rejected it; nothing was changed.
	Rejected Stage = iota + 1
	// Expired: approved after its TTL; nothing was changed.
	Expired
	// Applying: approved; the change is being applied as Report.As.
	Applying
	// Failed: approved but not applied (Report.Err says why; Report.Conflict
	// when the object changed since the preview). Nothing was changed.
	Failed
	// Applied: the change is in the cluster (Report.Applied); verification
	// follows.
	Applied
	// Verified: verification saw the expected effect (Report.Verification).
	Verified
	// NotVerified: verification saw what is still wrong (Report.Verification).
	NotVerified
	// Unverified: verification was stopped before a result; the change
	// stays applied.
	Unverified
	// NotOffered: the proposal that should follow (Report.Next) could not
	// be recorded, so it is not shown (Report.Err says why).
	NotOffered
	// Interrupted: the apply's answer was lost (a timeout, a dropped
	// connection, kubertnetes stopped mid-apply). Report.Err says what is
	// known: first that the result is unknown and will be checked, then
	// what checking the object found (applied, not applied, or still
	// unknown). The proposal's state follows what was found.
	Interrupted
)

func (s Stage) String() string {
	switch s {
	case Rejected:
		return "rejected"
	case Expired:
		return "expired"
	case Applying:
		return "applying"
	case Failed:
		return "failed"
	case Applied:
		return "applied"
	case Verified:
		return "verified"
	case NotVerified:
		return "not verified"
	case Unverified:
		return "unverified"
	case NotOffered:
		return "not offered"
	case Interrupted:
		return "interrupted"
	}
	return "unknown"
}

// Report is one step of a decided proposal, for the presenter to show.
type Report struct {
	Stage Stage
	// By is who decided (their id), At when.
	By string
	At time.Time
	// TTL is the approval window, for Expired.
	TTL time.Duration
	// As is the identity the change is applied as.
	As fixer.Identity
	// Err is why it failed, a sentence a person can act on.
	Err string
	// Conflict is set when the object changed since the preview; a fresh
	// preview follows when NextErr is empty.
	Conflict bool
	// Applied are the applied steps, in order, from Applied on (and on
	// Failed, the steps applied before the one that failed).
	Applied []fixer.Applied
	// Verification is its outcome, for Verified and NotVerified.
	Verification *fixer.Verification
	// Next is the proposal offered after this one (a fresh preview or a
	// rollback); NextErr why none could be offered.
	Next    *agent.Proposal
	NextErr string
}

// Versions says where each applied step left its object: "deployment/web
// in namespace shop is now at resourceVersion 8".
func Versions(applied []fixer.Applied) string {
	parts := make([]string, len(applied))
	for i, a := range applied {
		parts[i] = fmt.Sprintf("%s is now at resourceVersion %s", a.Preview.Fix.Target, a.ResourceVersion)
	}
	return strings.Join(parts, "; ")
}
