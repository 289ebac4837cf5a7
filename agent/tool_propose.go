package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubertnetes/kubertnetes/kube"
)

// Previewer turns a Fix into the approvable steps that make it take
// effect (the fix itself first, then e.g. the rollouts of the workloads
// that read a changed ConfigMap), each previewed with a server-side dry
// run. It never persists a change; *fixer.Fixer (kube/fixer) satisfies it.
type Previewer interface {
	Plan(ctx context.Context, fix kube.Fix) ([]kube.Preview, error)
}

// proposeTool lets the model propose a fix. The proposal is shown to a
// human with its dry-run diff; nothing is applied by the agent.
type proposeTool struct{ p Previewer }

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// quantities are resource amounts, e.g. cpu "250m", memory "128Mi".
type quantities struct {
	CPU    string `json:"cpu,omitempty"`
	Memory string `json:"memory,omitempty"`
}

type resourcesArg struct {
	Requests *quantities `json:"requests,omitempty"`
	Limits   *quantities `json:"limits,omitempty"`
}

type proposeArgs struct {
	Kind      string        `json:"kind" description:"the owning workload (Deployment…), not a pod; Pod only for delete-pod"`
	Namespace string        `json:"namespace"`
	Name      string        `json:"name"`
	Operation string        `json:"operation" enum:"set-env,set-image,set-resources,scale,rollout-restart,strategic-merge-patch,merge-patch,json-patch,delete-pod,create"`
	Container string        `json:"container,omitempty"`
	Env       []envVar      `json:"env,omitempty"`
	Image     string        `json:"image,omitempty"`
	Resources *resourcesArg `json:"resources,omitempty" description:"for set-resources"`
	Replicas  *int32        `json:"replicas,omitempty"`
	Patch     string        `json:"patch,omitempty" description:"JSON text, for the *-patch operations"`
	Manifest  string        `json:"manifest,omitempty" description:"for create: the whole missing object as YAML or JSON text"`
	Rationale string        `json:"rationale" description:"why, citing the evidence"`
	Risk      string        `json:"risk,omitempty"`
	Expected  string        `json:"expected,omitempty" description:"what verification should see"`
}

func (proposeTool) Name() string { return "propose_fix" }
func (proposeTool) Description() string {
	return "Propose one concrete fix once the evidence shows the cause. A human sees its server-side dry-run diff and approves or rejects it; never claim it was applied."
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
	if r := p.Resources; r != nil {
		fix.Resources = &kube.Resources{Requests: r.Requests.asMap(), Limits: r.Limits.asMap()}
	}
	if p.Manifest != "" {
		m, err := yaml.YAMLToJSON([]byte(p.Manifest))
		if err != nil {
			return Result{}, fmt.Errorf("manifest is neither YAML nor JSON: %v", err)
		}
		fix.Manifest = m
	}
	if t.p == nil {
		return Result{}, fmt.Errorf("fixes cannot be proposed: kubertnetes has no fixer configured")
	}
	steps, err := t.p.Plan(ctx, fix)
	if err != nil {
		return Result{}, err
	}
	prop := NewProposal(steps)
	var text strings.Builder
	fmt.Fprintf(&text, "Proposal %s is now shown to the user with Approve/Reject buttons. It has NOT been applied.", prop.ID)
	if len(steps) > 1 {
		fmt.Fprintf(&text, " It has %d steps, approved together and applied in order: the fix, then what makes it take effect.", len(steps))
	}
	for i, s := range steps {
		fmt.Fprintf(&text, "\nStep %d: %s on %s. Server-side dry-run diff:\n%s", i+1, s.Fix.Operation, s.Fix.Target, s.Diff)
	}
	return Result{Text: text.String(), Proposal: &prop}, nil
}

func (q *quantities) asMap() map[string]string {
	if q == nil {
		return nil
	}
	m := map[string]string{}
	if q.CPU != "" {
		m["cpu"] = q.CPU
	}
	if q.Memory != "" {
		m["memory"] = q.Memory
	}
	return m
}

// NewID returns a short random id with a prefix, e.g. fix-3f2a9c1b7e.
func NewID(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}
