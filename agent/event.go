package agent

import (
	"time"

	"github.com/kubertnetes/kubertnetes/kube"
)

// Event is something a front end shows while an investigation runs.
type Event interface{ event() }

// Progress reports a tool step: once when it starts (Done false) and once
// when it ends, with its duration and any error.
type Progress struct {
	Tool     string
	Target   string
	Done     bool
	Duration time.Duration
	Err      string
}

// FindingEvent is an evidence-backed problem found on the cluster.
type FindingEvent struct{ Finding kube.Finding }

// ProposalEvent is a previewed fix awaiting a human decision.
type ProposalEvent struct{ Proposal Proposal }

// Answer is the final reply of one question.
type Answer struct {
	Text  string
	Usage Usage
	// Budget names the budget that ended the investigation early, if any.
	Budget string
}

// ErrorEvent reports a failure the user should know about (the model is
// down, say). Show it through Explain, never as is.
type ErrorEvent struct{ Err error }

func (Progress) event()      {}
func (FindingEvent) event()  {}
func (ProposalEvent) event() {}
func (Answer) event()        {}
func (ErrorEvent) event()    {}

// Proposal is a fix the agent proposes: an id and the exact previews an
// approval covers. Preview is the fix itself; Then are the steps that make
// it take effect (the rollouts of the workloads that read a changed
// ConfigMap), approved with it and applied after it, in order.
type Proposal struct {
	ID      string         `json:"id"`
	Preview kube.Preview   `json:"preview"`
	Then    []kube.Preview `json:"then,omitempty"`
}

// NewProposal is a proposal of the planned steps, the fix first, with a
// fresh id. steps must not be empty.
func NewProposal(steps []kube.Preview) Proposal {
	p := Proposal{ID: NewID("fix"), Preview: steps[0]}
	if len(steps) > 1 {
		p.Then = steps[1:]
	}
	return p
}

// Steps are the previews in the order they are applied.
func (p Proposal) Steps() []kube.Preview {
	return append([]kube.Preview{p.Preview}, p.Then...)
}

// Usage counts tokens spent on a conversation.
type Usage struct {
	PromptTokens     int `json:"promptTokens"`
	CompletionTokens int `json:"completionTokens"`
	Requests         int `json:"requests"`
}

// Add returns the sum of two usages.
func (u Usage) Add(o Usage) Usage {
	return Usage{PromptTokens: u.PromptTokens + o.PromptTokens, CompletionTokens: u.CompletionTokens + o.CompletionTokens, Requests: u.Requests + o.Requests}
}
