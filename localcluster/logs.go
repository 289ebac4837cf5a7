package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// podLogsDir, under the state dir, holds the CRI-format files kwok serves
// as container logs.
const podLogsDir = "podlogs"

var clusterLogsResource = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "clusterlogs"}

// SetContainerLogs makes every pod in namespace with a container named
// container — existing pods and pods created later — serve current as that
// container's log and previous as its previous instance's log (GET
// pods/log, with previous=true), through the apiserver as with a real
// kubelet. A nil previous makes previous=true fail, as for a container that
// never restarted. Calling it again replaces the lines; it returns once kwok
// serves them.
func (c *Cluster) SetContainerLogs(ctx context.Context, namespace, container string, current, previous []string) error {
	if namespace == "" || container == "" {
		return errors.New("set container logs: namespace and container are required")
	}
	c.logsMu.Lock()
	defer c.logsMu.Unlock()

	// Namespaces and container names are DNS labels: no dots, so the name is unique.
	name := namespace + "." + container
	dir := filepath.Join(c.dir, podLogsDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("set container logs: %w", err)
	}
	currentFile, previousFile := filepath.Join(dir, "current.log"), filepath.Join(dir, "previous.log")
	now := time.Now()
	if err := writeCRILog(currentFile, current, now); err != nil {
		return err
	}
	if previous == nil {
		if err := os.Remove(previousFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("set container logs: %w", err)
		}
	} else if err := writeCRILog(previousFile, previous, now.Add(-time.Minute)); err != nil {
		return err
	}
	if c.logRules[name] {
		return nil // kwok reads the files on every request
	}

	rule := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "ClusterLogs",
		"metadata":   map[string]any{"name": name},
		"spec": map[string]any{
			"selector": map[string]any{"matchNamespaces": []any{namespace}},
			"logs": []any{map[string]any{
				"containers":       []any{container},
				"logsFile":         currentFile,
				"previousLogsFile": previousFile,
			}},
		},
	}}
	_, err := c.dynamic.Resource(clusterLogsResource).Create(ctx, rule, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("set container logs: create ClusterLogs %s: %w", name, err)
	}
	// kwok learns of the rule through a watch: wait until its server answers
	// for a pod of that namespace (any pod name matches the rule).
	probe := fmt.Sprintf("%s/containerLogs/%s/%s/%s", loopbackURL("http", c.ports.kwok),
		url.PathEscape(namespace), "logs-probe", url.PathEscape(container))
	served := func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, probe, nil)
		if err != nil {
			return false, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("kwok answered %s: %s", resp.Status, strings.TrimSpace(string(body)))
		}
		return true, nil
	}
	// kwok v0.8.0 can cache its ClusterLogs list before its informer has
	// stored a new object, and then keeps the stale list until the next
	// ClusterLogs event (seen about once in three test runs): touch the
	// rule every 2 s while waiting, so a missed object is picked up.
	lastTouch, touches := time.Now(), 0
	servedOrTouch := func(ctx context.Context) (bool, error) {
		ok, err := served(ctx)
		if ok || time.Since(lastTouch) < 2*time.Second {
			return ok, err
		}
		touches++
		lastTouch = time.Now()
		patch := fmt.Sprintf(`{"metadata":{"annotations":{"kubertnetes.io/touch":"%d"}}}`, touches)
		if _, perr := c.dynamic.Resource(clusterLogsResource).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); perr != nil {
			return false, fmt.Errorf("touch ClusterLogs %s: %w", name, perr)
		}
		return false, err
	}
	if err := c.waitFor(ctx, c.component("kwok"), "kwok to serve logs of "+name, 30*time.Second, servedOrTouch); err != nil {
		return fmt.Errorf("set container logs: %w", err)
	}
	c.logRules[name] = true
	return nil
}

// writeCRILog writes lines in the CRI log format kwok reads,
// "<RFC3339Nano> stdout F <line>", atomically (kwok may be reading).
func writeCRILog(path string, lines []string, start time.Time) error {
	var b strings.Builder
	i := 0
	for _, l := range lines {
		for part := range strings.SplitSeq(strings.TrimSuffix(l, "\n"), "\n") {
			ts := start.Add(time.Duration(i) * time.Microsecond).UTC().Format(time.RFC3339Nano)
			fmt.Fprintf(&b, "%s stdout F %s\n", ts, part)
			i++
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write container log: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write container log: %w", err)
	}
	return nil
}

// component returns the running component called name, or nil.
func (c *Cluster) component(name string) *process {
	for _, p := range c.procs {
		if p.name == name {
			return p
		}
	}
	return nil
}
