package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned for an unknown key or id.
var ErrNotFound = errors.New("not found")

// State is where a proposal is in its life.
type State string

// Proposal states.
const (
	Pending  State = "pending"
	Applying State = "applying"
	Applied  State = "applied"
	Rejected State = "rejected"
	Failed   State = "failed"
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
	SaveProposal(ctx context.Context, p Proposal) error
	// Transition moves a proposal from one state to another atomically and
	// reports whether it did: a double click finds the state already moved.
	Transition(ctx context.Context, id string, from, to State, by string) (bool, error)
	// MarkSeen records an id and reports whether it is the first time.
	MarkSeen(ctx context.Context, id string) (bool, error)
}
