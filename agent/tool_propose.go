package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/kubertnetes/kubertnetes/kube"
)

// Previewer turns a Fix into an approvable preview with a server-side dry
// run. It never persists a change; *kube.Fixer satisfies it.
type Previewer interface {
	Preview(ctx context.Context, fix kube.Fix) (*kube.Preview, error)
}

// proposeTool lets the model propose a fix. The proposal is shown to a
// human with its dry-run diff; nothing is applied by the agent.
type proposeTool struct{ p Previewer }

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type proposeArgs struct {
	Kind      string   `json:"kind" description:"Kind of the object to change, usually the workload (Deployment, StatefulSet…), not a pod"`
	Namespace string   `json:"namespace" description:"The object's namespace"`
	Name      string   `json:"name" description:"The object's exact name"`
	Operation string   `json:"operation" enum:"set-env,set-image,scale,rollout-restart,strategic-merge-patch,merge-patch,json-patch" description:"What to do"`
	Container string   `json:"container,omitempty" description:"Container to change, for set-env and set-image"`
	Env       []envVar `json:"env,omitempty" description:"Environment variables to set, for set-env"`
	Image     string   `json:"image,omitempty" description:"New image, for set-image"`
	Replicas  *int32   `json:"replicas,omitempty" description:"Replica count, for scale"`
	Patch     string   `json:"patch,omitempty" description:"The patch document as JSON text, for the *-patch operations"`
	Rationale string   `json:"rationale" description:"Why this fixes the problem, citing the evidence"`
	Risk      string   `json:"risk,omitempty" description:"What could go wrong (a restart, downtime…)"`
	Expected  string   `json:"expected,omitempty" description:"What will be true once it worked, e.g. pods Running and Ready"`
}

func (proposeTool) Name() string { return "propose_fix" }
func (proposeTool) Description() string {
	return "Propose one concrete fix once the evidence shows the cause. It is dry-run on the server and shown to a human as a diff with Approve/Reject buttons; it is applied only if they approve. Do not claim it was applied."
}
func (proposeTool) NewArgs() any { return &proposeArgs{} }
func (proposeTool) Target(a any) string {
	p := a.(*proposeArgs)
	return objectTarget(p.Kind, p.Namespace, p.Name)
}

func (t proposeTool) Run(ctx context.Context, a any) (Result, error) {
	p := a.(*proposeArgs)
	fix := kube.Fix{
		Target:    kube.Target{Kind: p.Kind, Namespace: p.Namespace, Name: p.Name},
		Operation: kube.Operation(p.Operation), Container: p.Container, Image: p.Image,
		Replicas: p.Replicas, Rationale: p.Rationale, Risk: p.Risk, Expected: p.Expected,
	}
	if p.Patch != "" {
		fix.Patch = json.RawMessage(p.Patch)
	}
	if len(p.Env) > 0 {
		fix.Env = map[string]string{}
		for _, e := range p.Env {
			fix.Env[e.Name] = e.Value
		}
	}
	if t.p == nil {
		return Result{}, fmt.Errorf("fixes cannot be proposed: kubertnetes has no fixer configured")
	}
	pv, err := t.p.Preview(ctx, fix)
	if err != nil {
		return Result{}, err
	}
	prop := Proposal{ID: NewID("fix"), Preview: *pv}
	text := fmt.Sprintf("Proposal %s is now shown to the user with Approve/Reject buttons. It has NOT been applied. Server-side dry-run diff:\n%s", prop.ID, pv.Diff)
	return Result{Text: text, Proposal: &prop}, nil
}

// NewID returns a short random id with a prefix, e.g. fix-3f2a9c1b7e.
func NewID(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}
