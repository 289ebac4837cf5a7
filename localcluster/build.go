package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Versions of the components EnsureBinaries builds. The staging modules of
// k8s.io/kubernetes (k8s.io/api, k8s.io/client-go, ...) are pinned to the
// matching v0.<minor>.<patch>, and etcd to the version k8s.io/kubernetes requires.
const (
	KubernetesVersion = "v1.37.1"
	KwokVersion       = "v0.8.0"
)

// buildRevision changes whenever the layout of a binary directory changes,
// so that an old cache entry is not mistaken for a current one.
const buildRevision = "r1"

// Names of the files a binary directory holds.
const (
	binEtcd              = "etcd"
	binKubeAPIServer     = "kube-apiserver"
	binControllerManager = "kube-controller-manager"
	binScheduler         = "kube-scheduler"
	binKwok              = "kwok"
	kwokAssetsDir        = "kwok-stages" // kwok's stock stages and CRDs, copied from its module
)

// Kwok stage files (from sigs.k8s.io/kwok's kustomize/stage) and CRDs
// (kustomize/crd/bases) that Start needs, by their path in the kwok module.
var kwokAssets = []string{
	"kustomize/stage/node/fast/node-initialize.yaml",
	"kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
	"kustomize/stage/pod/fast/pod-ready.yaml",
	"kustomize/stage/pod/fast/pod-complete.yaml",
	"kustomize/stage/pod/fast/pod-delete.yaml",
	"kustomize/crd/bases/kwok.x-k8s.io_clusterlogs.yaml",
}

// BuildOptions configure EnsureBinaries.
type BuildOptions struct {
	// CacheDir holds the built binaries, one subdirectory per combination of
	// component versions and Go minor version.
	// Default: os.UserCacheDir()/kubertnetes/localcluster.
	CacheDir string
	// Log receives build progress (the go tool's output included). May be nil.
	Log io.Writer
}

// EnsureBinaries returns a directory holding etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok (plus kwok's stage and CRD
// files), building them from the Go module proxy with the go tool on PATH if
// the cache does not have them yet. A cold build takes about five minutes and
// a few GB of memory; afterwards the call returns at once.
//
// Concurrent callers (test binaries of several packages, say) are safe: a file
// lock lets one of them build while the others wait, and the directory appears
// atomically, complete or not at all.
func EnsureBinaries(ctx context.Context, opts BuildOptions) (string, error) {
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	cacheDir := opts.CacheDir
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("locate cache dir: %w", err)
		}
		cacheDir = filepath.Join(base, "kubertnetes", "localcluster")
	}
	gt, err := findGo(ctx)
	if err != nil {
		return "", err
	}
	keyDir := filepath.Join(cacheDir, fmt.Sprintf("k8s-%s_kwok-%s_go%s_%s", KubernetesVersion, KwokVersion, gt.minor, buildRevision))
	binDir := filepath.Join(keyDir, "bin")
	if complete(binDir) {
		return binDir, nil
	}
	if err := os.MkdirAll(keyDir, 0o755); err != nil {
		return "", fmt.Errorf("create cache dir: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(keyDir, "lock"), logw)
	if err != nil {
		return "", err
	}
	defer unlock()
	if complete(binDir) { // built by whoever held the lock before us
		return binDir, nil
	}
	if err := os.RemoveAll(binDir); err != nil { // an incomplete leftover
		return "", fmt.Errorf("remove incomplete %s: %w", binDir, err)
	}
	if err := build(ctx, gt, keyDir, binDir, logw); err != nil {
		return "", err
	}
	return binDir, nil
}

// complete reports whether binDir holds everything a cluster needs.
func complete(binDir string) bool {
	need := []string{binEtcd, binKubeAPIServer, binControllerManager, binScheduler, binKwok}
	for _, a := range kwokAssets {
		need = append(need, filepath.Join(kwokAssetsDir, filepath.Base(a)))
	}
	for _, n := range need {
		fi, err := os.Stat(filepath.Join(binDir, n))
		if err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// lockFile takes an exclusive flock on path, polling so that ctx can cancel
// the wait. The lock goes away with the process, so a crashed builder never
// blocks the next one.
func lockFile(ctx context.Context, path string, logw io.Writer) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open build lock: %w", err)
	}
	logged := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !logged {
			fmt.Fprintf(logw, "localcluster: another process is building the binaries; waiting for %s\n", path)
			logged = true
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("wait for build lock: %w", ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// build compiles everything into a temporary directory beside binDir and
// renames it into place once complete. The caller holds the lock.
func build(ctx context.Context, gt goTool, keyDir, binDir string, logw io.Writer) error {
	start := time.Now()
	fmt.Fprintf(logw, "localcluster: building Kubernetes %s, etcd and kwok %s with %s into %s (a cold build takes ~5 min)\n",
		KubernetesVersion, KwokVersion, gt.version, binDir)

	// Leftovers of builds that died halfway: nobody else can be using them while we hold the lock.
	old, _ := filepath.Glob(filepath.Join(keyDir, "bin-tmp-*"))
	for _, o := range old {
		_ = os.RemoveAll(o)
	}
	tmp, err := os.MkdirTemp(keyDir, "bin-tmp-")
	if err != nil {
		return fmt.Errorf("create build dir: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op after the rename

	modDir := filepath.Join(keyDir, "gomod")
	if err := writeBuildModule(ctx, gt, modDir); err != nil {
		return err
	}

	minor := strings.Split(strings.TrimPrefix(KubernetesVersion, "v"), ".")[1]
	ldflags := []string{"-s", "-w"}
	for _, p := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		ldflags = append(ldflags,
			"-X", p+".gitVersion="+KubernetesVersion, "-X", p+".gitMajor=1",
			"-X", p+".gitMinor="+minor, "-X", p+".gitTreeState=clean")
	}
	// One go build for all: the packages they share are compiled once.
	// -mod=mod fills go.sum on the first run.
	args := []string{"build", "-mod=mod", "-trimpath", "-ldflags=" + strings.Join(ldflags, " "), "-o", tmp + string(filepath.Separator),
		"k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager",
		"k8s.io/kubernetes/cmd/kube-scheduler", "go.etcd.io/etcd/server/v3"}
	if _, err := gt.run(ctx, modDir, logw, nil, args...); err != nil {
		return fmt.Errorf("build kubernetes and etcd: %w", err)
	}
	// Go names go.etcd.io/etcd/server/v3's binary after the last path element.
	if err := os.Rename(filepath.Join(tmp, "server"), filepath.Join(tmp, binEtcd)); err != nil {
		return fmt.Errorf("rename etcd binary: %w", err)
	}
	fmt.Fprintf(logw, "localcluster: kubernetes and etcd built in %s\n", time.Since(start).Round(time.Second))

	// kwok has no replace directives: go install pkg@version works as is.
	if _, err := gt.run(ctx, modDir, logw, []string{"GOBIN=" + tmp},
		"install", "-trimpath", "-ldflags=-s -w", "sigs.k8s.io/kwok/cmd/kwok@"+KwokVersion); err != nil {
		return fmt.Errorf("build kwok: %w", err)
	}
	if err := copyKwokAssets(ctx, gt, modDir, filepath.Join(tmp, kwokAssetsDir), logw); err != nil {
		return err
	}
	if !complete(tmp) {
		return fmt.Errorf("build finished but %s lacks some binaries", tmp)
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp made it private
		return fmt.Errorf("build dir: %w", err)
	}
	if err := os.Rename(tmp, binDir); err != nil {
		return fmt.Errorf("move binaries into place: %w", err)
	}
	fmt.Fprintf(logw, "localcluster: binaries ready in %s (%s)\n", binDir, time.Since(start).Round(time.Second))
	return nil
}

// copyKwokAssets copies kwok's stock stages and CRDs out of the module cache:
// the kwok binary does not embed them (kwokctl adds them).
func copyKwokAssets(ctx context.Context, gt goTool, modDir, dst string, logw io.Writer) error {
	src, err := gt.moduleDir(ctx, modDir, logw, "sigs.k8s.io/kwok@"+KwokVersion)
	if err != nil {
		return fmt.Errorf("locate kwok module: %w", err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dst, err)
	}
	for _, a := range kwokAssets {
		data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(a)))
		if err != nil {
			return fmt.Errorf("read kwok asset: %w", err)
		}
		// Module cache files are read-only; the copies need not be.
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(a)), data, 0o644); err != nil {
			return fmt.Errorf("write kwok asset: %w", err)
		}
	}
	return nil
}

// writeBuildModule writes a throwaway module that requires k8s.io/kubernetes
// and the etcd server at the version Kubernetes requires, with every staging
// module replaced by its published v0.x version (k8s.io/kubernetes' own
// go.mod points them at ./staging, which a dependent module cannot use).
func writeBuildModule(ctx context.Context, gt goTool, modDir string) error {
	if err := os.MkdirAll(modDir, 0o755); err != nil {
		return fmt.Errorf("create build module: %w", err)
	}
	gomod := filepath.Join(modDir, "go.mod")
	if err := os.WriteFile(gomod, []byte("module local/k8sbins\n\ngo 1.26.0\n"), 0o644); err != nil {
		return fmt.Errorf("write build module: %w", err)
	}
	k8sMod, err := gt.moduleGoMod(ctx, modDir, "k8s.io/kubernetes@"+KubernetesVersion)
	if err != nil {
		return fmt.Errorf("read k8s.io/kubernetes go.mod: %w", err)
	}
	content, err := buildModule(k8sMod, KubernetesVersion)
	if err != nil {
		return err
	}
	if err := os.WriteFile(gomod, content, 0o644); err != nil {
		return fmt.Errorf("write build module: %w", err)
	}
	return nil
}

// buildModule derives the throwaway module's go.mod from k8s.io/kubernetes'
// go.mod (k8sMod) for the given Kubernetes version.
func buildModule(k8sMod []byte, kubeVersion string) ([]byte, error) {
	required, replaced := parseGoMod(k8sMod)
	etcd, ok := required["go.etcd.io/etcd/server/v3"]
	if !ok {
		return nil, fmt.Errorf("k8s.io/kubernetes %s does not require go.etcd.io/etcd/server/v3", kubeVersion)
	}
	stagingVersion := "v0" + strings.TrimPrefix(kubeVersion, "v1") // v1.37.1 -> v0.37.1
	var staged []string
	for mod, target := range replaced {
		if _, req := required[mod]; req && strings.HasPrefix(target, "./staging/") {
			staged = append(staged, mod)
		}
	}
	if len(staged) == 0 {
		return nil, fmt.Errorf("k8s.io/kubernetes %s go.mod has no staging replacements", kubeVersion)
	}
	slices.Sort(staged)
	var b strings.Builder
	fmt.Fprintf(&b, "module local/k8sbins\n\ngo 1.26.0\n\nrequire (\n\tk8s.io/kubernetes %s\n\tgo.etcd.io/etcd/server/v3 %s\n)\n\nreplace (\n", kubeVersion, etcd)
	for _, m := range staged {
		fmt.Fprintf(&b, "\t%s => %s %s\n", m, m, stagingVersion)
	}
	b.WriteString(")\n")
	return []byte(b.String()), nil
}

// parseGoMod extracts the require (module -> version) and replace
// (module -> target) directives of a go.mod, in block or single-line form.
// It understands just enough of the format for k8s.io/kubernetes' go.mod.
func parseGoMod(data []byte) (required, replaced map[string]string) {
	required, replaced = map[string]string{}, map[string]string{}
	block := ""
	for line := range strings.Lines(string(data)) {
		if i := strings.Index(line, "//"); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch {
		case block != "" && f[0] == ")":
			block = ""
		case block == "" && len(f) == 2 && f[1] == "(":
			block = f[0]
		case block == "":
			addDirective(f[0], f[1:], required, replaced) // single-line directive
		default:
			addDirective(block, f, required, replaced)
		}
	}
	return required, replaced
}

func addDirective(verb string, f []string, required, replaced map[string]string) {
	switch verb {
	case "require":
		if len(f) >= 2 {
			required[f[0]] = f[1]
		}
	case "replace":
		// old [version] => new [version]
		if i := slices.Index(f, "=>"); i >= 1 && i+1 < len(f) {
			replaced[f[0]] = f[i+1]
		}
	}
}
