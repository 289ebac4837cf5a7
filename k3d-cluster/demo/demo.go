package demo

import (
	_ "embed"
	"fmt"
	"net/url"
	"strings"

	"github.com/kubertnetes/kubertnetes/internal/manifest"
)

//go:embed faulty-deploy.yaml
var manifests []byte

// Manifests returns the demo app exactly as a k3d user applies it.
func Manifests() []byte { return append([]byte(nil), manifests...) }

// ContainerLogs is what one container prints in the simulation.
type ContainerLogs struct {
	Container string
	Current   []string
	Previous  []string
}

// Simulation is the demo prepared for the simulated control plane.
type Simulation struct {
	// Objects are the manifests' objects, unchanged: which pods crash is
	// decided by FaultRules from each pod's own spec.
	Objects []map[string]any
	Logs    []ContainerLogs
}

// portNumber is the same check in Go, for the simulated logs.
func portNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Simulate decides from the manifests' spec what a real kubelet would see.
func Simulate(src []byte) (Simulation, error) {
	objs, err := SplitYAML(src)
	if err != nil {
		return Simulation{}, err
	}
	var sim Simulation
	services := map[string]bool{}
	config := map[string]map[string]any{}
	for _, o := range objs {
		switch kindName(o) {
		case "Service":
			services[name(o)] = true
		case "ConfigMap":
			data, _ := o["data"].(map[string]any)
			config[name(o)] = data
		}
	}
	for _, o := range objs {
		if kindName(o) != "Deployment" {
			continue
		}
		tmpl := nested(o, "spec", "template")
		for _, c := range list(nested(tmpl, "spec"), "containers") {
			cname, _ := c["name"].(string)
			env := containerEnv(c, config)
			if port, ok := env["LISTEN_PORT"]; ok {
				if !portNumber(port) {
					lines := []string{"crashloop-app starting", fmt.Sprintf("FATAL: LISTEN_PORT=%q is not a port number (set env LISTEN_PORT to e.g. 8080)", port)}
					sim.Logs = append(sim.Logs, ContainerLogs{Container: cname, Current: lines, Previous: lines})
				}
			}
			if backend, ok := env["BACKEND_URL"]; ok {
				u, err := url.Parse(backend)
				host := ""
				if err == nil {
					host = strings.SplitN(u.Hostname(), ".", 2)[0]
				}
				line := fmt.Sprintf("status: OK (backend answered at %s)", backend)
				if !services[host] {
					line = fmt.Sprintf("status: BAD - cannot reach backend at %s: wget: bad address '%s'", backend, u.Host)
				}
				sim.Logs = append(sim.Logs, ContainerLogs{Container: cname, Current: []string{"checking " + backend, line}})
			}
		}
	}
	sim.Objects = objs
	return sim, nil
}

// SplitYAML decodes a multi-document YAML stream into objects, as
// manifest.Decode does.
func SplitYAML(src []byte) ([]map[string]any, error) {
	objs, err := manifest.Decode(src)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(objs))
	for i, o := range objs {
		out[i] = o.Object
	}
	return out, nil
}

func kindName(o map[string]any) string { s, _ := o["kind"].(string); return s }
func name(o map[string]any) string {
	md, _ := o["metadata"].(map[string]any)
	s, _ := md["name"].(string)
	return s
}

func nested(o map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, _ := o[k].(map[string]any)
		if next == nil {
			next = map[string]any{}
			o[k] = next
		}
		o = next
	}
	return o
}

func list(o map[string]any, key string) []map[string]any {
	items, _ := o[key].([]any)
	var out []map[string]any
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// containerEnv resolves a container's env and envFrom ConfigMaps.
func containerEnv(c map[string]any, config map[string]map[string]any) map[string]string {
	env := map[string]string{}
	for _, from := range list(c, "envFrom") {
		ref, _ := from["configMapRef"].(map[string]any)
		n, _ := ref["name"].(string)
		for k, v := range config[n] {
			env[k] = fmt.Sprint(v)
		}
	}
	for _, e := range list(c, "env") {
		n, _ := e["name"].(string)
		if v, ok := e["value"].(string); ok {
			env[n] = v
		}
	}
	return env
}
