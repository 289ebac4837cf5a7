package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/version"
)

// mutating are kubectl verbs that change the cluster (or reach into
// containers); the read-only entry point refuses them all.
var mutating = map[string]bool{
	"apply": true, "create": true, "delete": true, "patch": true, "edit": true, "replace": true,
	"scale": true, "autoscale": true, "set": true, "label": true, "annotate": true, "taint": true,
	"cordon": true, "uncordon": true, "drain": true, "exec": true, "cp": true, "port-forward": true,
	"proxy": true, "attach": true, "run": true, "expose": true, "debug": true, "certificate": true, "kustomize": true, "plugin": true,
}

// Command runs one kubectl read command as an LLM would write it, e.g.
// `kubectl get pods -n shop -o wide`, parsed without a shell and executed
// in-process on the Reader. Verbs that change anything are refused with a
// pointer to fix proposals.
func (r *Reader) Command(ctx context.Context, line string) (string, error) {
	words, err := splitWords(strings.TrimSpace(line))
	if err != nil {
		return "", err
	}
	if len(words) > 0 && (words[0] == "kubectl" || words[0] == "k") {
		words = words[1:]
	}
	if len(words) == 0 {
		return "", fmt.Errorf("no kubectl command given; e.g. kubectl get pods -n NAMESPACE")
	}
	verb, args := words[0], words[1:]
	if mutating[verb] || (verb == "rollout" && (len(args) == 0 || args[0] != "history" && args[0] != "status")) {
		return "", fmt.Errorf("refused: `kubectl %s` changes the cluster and kubertnetes is read-only; describe the change with propose_fix instead — a human approves it with a server-side dry-run diff", strings.Join(words[:min(2, len(words))], " "))
	}
	fs := pflag.NewFlagSet("kubectl "+verb, pflag.ContinueOnError)
	fs.SetOutput(nopWriter{})
	f := commandFlags{}
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return "", fmt.Errorf("kubectl %s: %w", verb, err)
	}
	if err := validNamespace(f.namespace); err != nil {
		return "", fmt.Errorf("kubectl %s: %w", verb, err)
	}
	pos := fs.Args()
	switch verb {
	case "get":
		return r.cmdGet(ctx, f, pos)
	case "describe":
		kind, name, err := kindName(pos)
		if err != nil {
			return "", fmt.Errorf("kubectl describe: %w", err)
		}
		return r.Describe(ctx, kind, f.namespace, name)
	case "logs", "log":
		if len(pos) == 0 {
			return "", fmt.Errorf("kubectl logs needs a pod (or deployment/NAME)")
		}
		return r.Logs(ctx, LogsRequest{Namespace: f.namespaceOr("default"), Pod: pos[0], Container: f.container, Previous: f.previous, Tail: f.tail, SinceSeconds: int64(f.since.Seconds())})
	case "events":
		req := EventsRequest{Namespace: f.namespaceOr("default"), AllNamespaces: f.all, WarningsOnly: strings.EqualFold(f.types, "Warning")}
		if f.forObj != "" {
			kind, name, _ := strings.Cut(f.forObj, "/")
			req.Kind, req.Name = kind, name
		}
		return r.Events(ctx, req)
	case "explain":
		if len(pos) == 0 {
			return "", fmt.Errorf("kubectl explain needs a resource or field, e.g. pod.spec.containers")
		}
		return r.Explain(ctx, pos[0], f.recursive)
	case "top":
		if len(pos) == 0 {
			return "", fmt.Errorf("kubectl top needs pods or nodes")
		}
		ns := f.namespaceOr("default")
		if f.all {
			ns = ""
		}
		return r.Top(ctx, pos[0], ns)
	case "api-resources":
		return r.APIResources(ctx)
	case "auth":
		if len(pos) < 3 || pos[0] != "can-i" {
			return "", fmt.Errorf("kubectl auth supports can-i VERB RESOURCE[/NAME]")
		}
		return r.CanI(ctx, pos[1], pos[2], f.namespaceOr("default"))
	case "rollout":
		if len(pos) < 2 {
			return "", fmt.Errorf("kubectl rollout history needs TYPE/NAME")
		}
		kind, name, err := kindName(pos[1:])
		if err != nil {
			return "", fmt.Errorf("kubectl rollout %s: %w", pos[0], err)
		}
		if pos[0] == "status" {
			return r.Get(ctx, GetRequest{Resource: kind, Namespace: f.namespaceOr("default"), Name: name})
		}
		return r.RolloutHistory(ctx, kind, f.namespaceOr("default"), name, f.revision)
	case "version", "cluster-info":
		return r.serverVersion(ctx)
	}
	return "", fmt.Errorf("kubectl %s is not supported; use get, describe, logs, events, explain, top, api-resources, auth can-i or rollout history", verb)
}

func (r *Reader) cmdGet(ctx context.Context, f commandFlags, pos []string) (string, error) {
	if len(pos) == 0 {
		return "", fmt.Errorf("kubectl get needs a resource type, e.g. kubectl get pods")
	}
	req := GetRequest{Namespace: f.namespaceOr("default"), AllNamespaces: f.all, LabelSelector: f.selector, FieldSelector: f.fieldSelector, Wide: f.output == "wide"}
	kind, name, err := kindName(pos)
	if err != nil {
		kind = pos[0] // a list: "get pods"
	}
	if strings.Contains(kind, ",") {
		return "", fmt.Errorf("get one resource type at a time (got %q)", kind)
	}
	if err := validName(name); err != nil {
		return "", fmt.Errorf("kubectl get: %w", err)
	}
	req.Resource, req.Name = kind, name
	out, err := r.Get(ctx, req)
	if err == nil && name == "" && (f.output == "yaml" || f.output == "json") {
		out = "(-o " + f.output + " is given for single objects; add a name)\n" + out
	}
	return out, err
}

func (r *Reader) serverVersion(ctx context.Context) (string, error) {
	raw, err := r.core.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return "", fmt.Errorf("server version: %w", err)
	}
	var v version.Info
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("server version: %w", err)
	}
	return fmt.Sprintf("Kubernetes control plane at %s, version %s", r.cfg.Host, v.GitVersion), nil
}

// kindName reads "TYPE NAME" or "TYPE/NAME".
func kindName(pos []string) (string, string, error) {
	switch {
	case len(pos) == 1 && strings.Contains(pos[0], "/"):
		k, n, _ := strings.Cut(pos[0], "/")
		return k, n, nil
	case len(pos) >= 2:
		return pos[0], pos[1], nil
	}
	return "", "", fmt.Errorf("name one object as TYPE NAME or TYPE/NAME")
}

type commandFlags struct {
	namespace, selector, fieldSelector, output, container, types, forObj string
	all, previous, recursive, watch                                      bool
	tail, revision                                                       int64
	since                                                                durationFlag
}

func (f *commandFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.namespace, "namespace", "n", "", "")
	fs.BoolVarP(&f.all, "all-namespaces", "A", false, "")
	fs.StringVarP(&f.selector, "selector", "l", "", "")
	fs.StringVar(&f.fieldSelector, "field-selector", "", "")
	fs.StringVarP(&f.output, "output", "o", "", "")
	fs.StringVarP(&f.container, "container", "c", "", "")
	fs.BoolVarP(&f.previous, "previous", "p", false, "")
	fs.Int64Var(&f.tail, "tail", 0, "")
	fs.Var(&f.since, "since", "")
	fs.StringVar(&f.types, "types", "", "")
	fs.StringVar(&f.forObj, "for", "", "")
	fs.BoolVar(&f.recursive, "recursive", false, "")
	fs.Int64Var(&f.revision, "revision", 0, "")
	fs.BoolVarP(&f.watch, "watch", "w", false, "") // accepted and ignored: one snapshot
	fs.Bool("show-labels", false, "")
	fs.Bool("no-headers", false, "")
	fs.Bool("all-containers", false, "")
	fs.Bool("timestamps", false, "")
	fs.String("sort-by", "", "")
	fs.String("context", "", "")
}

func (f commandFlags) namespaceOr(def string) string {
	if f.namespace != "" {
		return f.namespace
	}
	return def
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
