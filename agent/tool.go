package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sashabaranov/go-openai"
	"github.com/sashabaranov/go-openai/jsonschema"

	"github.com/kubertnetes/kubertnetes/kube"
)

// Result is what a tool gives back: text for the model, and optionally
// findings and a proposal for the front end.
type Result struct {
	Text     string
	Findings []kube.Finding
	Proposal *Proposal
}

// Tool is one capability the model can call. Args is a pointer to the
// tool's typed argument struct; its JSON schema is generated from the
// struct's json and description tags and checked before Run.
type Tool interface {
	Name() string
	// Description is written for the model: what the tool does and when to use it.
	Description() string
	// NewArgs returns a pointer to a zero argument struct.
	NewArgs() any
	// Target names the object a call is about, for progress lines.
	Target(args any) string
	Run(ctx context.Context, args any) (Result, error)
}

// Registry holds the tools of one brain, in a stable order.
type Registry struct {
	tools   map[string]Tool
	names   []string
	schemas map[string]*jsonschema.Definition
}

// NewRegistry builds a registry, generating each tool's schema once.
func NewRegistry(tools ...Tool) (*Registry, error) {
	r := &Registry{tools: map[string]Tool{}, schemas: map[string]*jsonschema.Definition{}}
	for _, t := range tools {
		if _, dup := r.tools[t.Name()]; dup {
			return nil, fmt.Errorf("tool %q registered twice", t.Name())
		}
		s, err := jsonschema.GenerateSchemaForType(t.NewArgs())
		if err != nil {
			return nil, fmt.Errorf("schema for tool %q: %w", t.Name(), err)
		}
		r.tools[t.Name()] = t
		r.names = append(r.names, t.Name())
		r.schemas[t.Name()] = s
	}
	sort.Strings(r.names)
	return r, nil
}

// Definitions are the tools as the chat-completions API declares them, in
// a byte-stable order so providers' prompt caching applies.
func (r *Registry) Definitions() []openai.Tool {
	out := make([]openai.Tool, 0, len(r.names))
	for _, n := range r.names {
		out = append(out, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: n, Description: r.tools[n].Description(), Parameters: r.schemas[n],
		}})
	}
	return out
}

// placeholder matches argument values a model copied from an example
// instead of filling in: <pod-name>, POD_NAME, ${NAMESPACE}, your-namespace.
var placeholder = regexp.MustCompile(`^(<[^>]+>|\$\{?[A-Z_]+\}?|[A-Z][A-Z0-9]*(_[A-Z0-9]+)+|your[-_].+|example[-_].+)$`)

// Decode validates raw model arguments against the tool's schema and fills
// its argument struct. Its errors are written for the model to correct.
func (r *Registry) Decode(name, raw string) (Tool, any, error) {
	t, ok := r.tools[name]
	if !ok {
		return nil, nil, fmt.Errorf("unknown tool %q; the tools are: %s", name, strings.Join(r.names, ", "))
	}
	if strings.TrimSpace(raw) == "" {
		raw = "{}"
	}
	var generic map[string]any
	if err := json.Unmarshal([]byte(raw), &generic); err != nil {
		return nil, nil, fmt.Errorf("arguments for %s are not a JSON object (%v); send them as JSON matching the tool's schema", name, err)
	}
	schema := r.schemas[name]
	var missing []string
	for _, req := range schema.Required {
		if _, ok := generic[req]; !ok {
			missing = append(missing, req)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("arguments for %s are missing required field(s): %s", name, strings.Join(missing, ", "))
	}
	for k, v := range generic {
		if _, ok := schema.Properties[k]; !ok {
			return nil, nil, fmt.Errorf("arguments for %s have an unknown field %q; the fields are: %s", name, k, fieldNames(schema))
		}
		if s, ok := v.(string); ok && placeholder.MatchString(strings.TrimSpace(s)) {
			return nil, nil, fmt.Errorf("argument %s=%q looks like a placeholder: use a real name you have seen in an earlier tool result (list the objects first if you do not know it)", k, s)
		}
	}
	if !jsonschema.Validate(*schema, generic, jsonschema.WithDefs(jsonschema.CollectDefs(*schema))) {
		return nil, nil, fmt.Errorf("arguments for %s do not match its schema (check each field's type): %s", name, schemaText(schema))
	}
	args := t.NewArgs()
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	if err := dec.Decode(args); err != nil {
		return nil, nil, fmt.Errorf("arguments for %s: %v", name, err)
	}
	return t, args, nil
}

func fieldNames(s *jsonschema.Definition) string {
	names := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func schemaText(s *jsonschema.Definition) string {
	b, err := json.Marshal(s)
	if err != nil {
		return fieldNames(s)
	}
	return string(b)
}
