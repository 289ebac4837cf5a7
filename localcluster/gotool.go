package localcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// minGoMinor is the oldest Go minor version that builds Kubernetes v1.37.
const minGoMinor = 26

// goTool is the go command found on PATH.
type goTool struct {
	path    string // absolute path of the go binary
	version string // e.g. go1.26.8
	minor   string // e.g. 1.26, part of the cache key
}

var goVersionRE = regexp.MustCompile(`go1\.(\d+)`)

// findGo locates the go tool on PATH and checks its version.
func findGo(ctx context.Context) (goTool, error) {
	path, err := exec.LookPath("go")
	if err != nil {
		return goTool{}, errors.New("go toolchain not found; install Go 1.26+")
	}
	gt := goTool{path: path}
	out, err := gt.run(ctx, "", nil, nil, "env", "GOVERSION")
	if err != nil {
		return goTool{}, fmt.Errorf("query go version: %w", err)
	}
	gt.version = strings.TrimSpace(string(out))
	m := goVersionRE.FindStringSubmatch(gt.version)
	if m == nil {
		return goTool{}, fmt.Errorf("unrecognised go version %q; install Go 1.26+", gt.version)
	}
	if n, _ := strconv.Atoi(m[1]); n < minGoMinor {
		return goTool{}, fmt.Errorf("go toolchain %s at %s is too old; install Go 1.26+", gt.version, path)
	}
	gt.minor = "1." + m[1]
	return gt, nil
}

// run runs the go tool in dir with GOWORK=off plus extraEnv, streaming its
// stderr to logw (may be nil), and returns its stdout. The error carries the
// tail of stderr. The go process and its compilers form a process group that
// is killed when ctx ends, and the go process dies with its parent.
func (g goTool) run(ctx context.Context, dir string, logw io.Writer, extraEnv []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, g.path, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOWORK=off"), extraEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout bytes.Buffer
	tail := &tailBuffer{max: 4 << 10}
	cmd.Stdout = &stdout
	cmd.Stderr = tail
	if logw != nil {
		cmd.Stderr = io.MultiWriter(tail, logw)
	}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("go %s: %w", args[0], ctx.Err())
		}
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, tail.String())
	}
	return stdout.Bytes(), nil
}

// download runs `go mod download -json mod@version` in modDir.
func (g goTool) download(ctx context.Context, modDir string, logw io.Writer, modVersion string) (dir, gomod string, err error) {
	out, err := g.run(ctx, modDir, logw, []string{"GOFLAGS=-mod=mod"}, "mod", "download", "-json", modVersion)
	if err != nil {
		return "", "", err
	}
	var info struct{ Dir, GoMod, Error string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", "", fmt.Errorf("parse go mod download output: %w", err)
	}
	if info.Error != "" {
		return "", "", fmt.Errorf("go mod download %s: %s", modVersion, info.Error)
	}
	return info.Dir, info.GoMod, nil
}

// moduleDir returns the module cache directory of mod@version, downloading it if needed.
func (g goTool) moduleDir(ctx context.Context, modDir string, logw io.Writer, modVersion string) (string, error) {
	dir, _, err := g.download(ctx, modDir, logw, modVersion)
	if err != nil {
		return "", err
	}
	if dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory reported", modVersion)
	}
	return dir, nil
}

// moduleGoMod returns the go.mod content of mod@version.
func (g goTool) moduleGoMod(ctx context.Context, modDir, modVersion string) ([]byte, error) {
	_, gomod, err := g.download(ctx, modDir, nil, modVersion)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(gomod)
	if err != nil {
		return nil, fmt.Errorf("read go.mod of %s: %w", modVersion, err)
	}
	return data, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }
