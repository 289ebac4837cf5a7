package fixer

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mayImportFixer are the packages that may hold a Fixer: the fix
// workflow, where a human's approval arrives, and cmd, which wires it.
// The front ends (bot, the terminal) present the workflow. Everything else
// reads.
var mayImportFixer = []string{
	"cmd/bot",
	"fixflow",
}

// neverDependOnFixer may not reach the fixer even indirectly: the agent's
// tools and the analyzers only read.
var neverDependOnFixer = []string{"agent", "kube", "kube/analyze"}

// TestOnlyTheFrontEndsImportTheFixer keeps the write path where approvals
// are: no package outside mayImportFixer imports kube/fixer, and the
// agent and the analyzers do not depend on it at all.
func TestOnlyTheFrontEndsImportTheFixer(t *testing.T) {
	root := moduleRoot(t)
	module := strings.TrimSpace(goCmd(t, root, "list", "-m"))
	fixer := module + "/kube/fixer"
	allowed := map[string]bool{}
	for _, p := range mayImportFixer {
		allowed[module+"/"+p] = true
	}

	out := goCmd(t, root, "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./...")
	importers := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !slices.Contains(fields[1:], fixer) {
			continue
		}
		importers++
		if !allowed[fields[0]] {
			t.Errorf("%s imports %s; only %v may (the rest of kubertnetes reads: depend on kube.Preview data or a small interface instead)", fields[0], fixer, mayImportFixer)
		}
	}
	if importers == 0 {
		t.Errorf("no package imports %s: the listing is wrong (go list output:\n%s)", fixer, out)
	}

	for _, p := range neverDependOnFixer {
		deps := strings.Fields(goCmd(t, root, "list", "-deps", module+"/"+p))
		if !slices.Contains(deps, module+"/"+p) {
			t.Fatalf("go list -deps %s does not list the package itself: %v", p, deps)
		}
		if slices.Contains(deps, fixer) {
			t.Errorf("%s depends on %s: it must only read", module+"/"+p, fixer)
		}
	}
}

// moduleRoot is the directory of the module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	gomod := strings.TrimSpace(goCmd(t, ".", "env", "GOMOD"))
	if gomod == "" || gomod == "/dev/null" {
		t.Fatalf("go env GOMOD = %q: not inside the module", gomod)
	}
	return filepath.Dir(gomod)
}

// goCmd runs the go command in dir and returns its output.
func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
