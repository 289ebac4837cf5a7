package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned for an unknown key or id, and for one older than
// the retention.
var ErrNotFound = errors.New("not found")

// ErrLocked is returned by OpenBolt when another process holds the file.
var ErrLocked = errors.New("locked by another process")

// State is where a proposal is in its life.
type State string

// Proposal states.
const (
	Pending  State = "pending"
	Applying State = "applying"
	Applied  State = "applied"
	Rejected State = "rejected"
	Failed   State = "failed"
	// Unknown: the apply's answer was lost and checking the object could
	// not tell whether the change is in the cluster.
	Unknown State = "unknown"
)

// Proposal is a fix awaiting, or past, a human decision.
type Proposal struct {
	ID string `json:"id"`
	// Conversation is the key of the conversation that proposed it.
	Conversation string `json:"conversation"`
	Channel      string `json:"channel"`
	ThreadTS     string `json:"threadTs"`
	MessageTS    string `json:"messageTs"`
	Requester    string `json:"requester"`
	// Preview is the serialized preview an approval covers.
	Preview   []byte    `json:"preview"`
	State     State     `json:"state"`
	DecidedBy string    `json:"decidedBy,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Store is the bot's state.
type Store interface {
	// Conversation returns a conversation's bytes, or ErrNotFound.
	Conversation(ctx context.Context, key string) ([]byte, error)
	SaveConversation(ctx context.Context, key string, data []byte) error
	// Proposal returns a proposal, or ErrNotFound.
	Proposal(ctx context.Context, id string) (Proposal, error)
	// SaveProposal stores a proposal, stamping CreatedAt when it is zero.
	SaveProposal(ctx context.Context, p Proposal) error
	// Transition moves a proposal from one state to another atomically and
	// reports whether it did: a double click finds the state already moved.
	Transition(ctx context.Context, id string, from, to State, by string) (bool, error)
	// Proposals returns the proposals in state (within the retention), in
	// no particular order: at start, those a stopped process left Applying.
	Proposals(ctx context.Context, state State) ([]Proposal, error)
	// MarkSeen records an id and reports whether it is the first time.
	MarkSeen(ctx context.Context, id string) (bool, error)
}

// Retention bounds how long a store keeps things. Anything older is
// treated as absent at once and deleted by a periodic prune; zero fields
// take the defaults.
type Retention struct {
	// Events is how long seen event ids are remembered (default 1 hour;
	// Slack retries within minutes).
	Events time.Duration
	// Conversations is how long a thread's conversation is kept after its
	// last change (default 7 days): a follow-up after that starts afresh.
	Conversations time.Duration
	// Proposals is how long a proposal, decided or not, is kept after it
	// was made (default 7 days). Keep it longer than the proposal TTL.
	Proposals time.Duration
}

// defaultRetention is what zero Retention fields become.
var defaultRetention = Retention{Events: time.Hour, Conversations: 7 * 24 * time.Hour, Proposals: 7 * 24 * time.Hour}

func (r Retention) withDefaults() Retention {
	if r.Events <= 0 {
		r.Events = defaultRetention.Events
	}
	if r.Conversations <= 0 {
		r.Conversations = defaultRetention.Conversations
	}
	if r.Proposals <= 0 {
		r.Proposals = defaultRetention.Proposals
	}
	return r
}

// pruneEvery is how often expired entries are deleted: a quarter of the
// shortest retention, at most every 10 minutes.
func (r Retention) pruneEvery() time.Duration {
	return min(r.Events/4, r.Conversations/4, r.Proposals/4, 10*time.Minute)
}

// expired reports whether something stamped at t is past keep at now.
func expired(t, now time.Time, keep time.Duration) bool { return now.Sub(t) > keep }
