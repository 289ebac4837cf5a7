package localcluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// stateDirPrefix names the temporary state directories Start creates.
const stateDirPrefix = "kubertnetes-localcluster-"

// ownerFile holds the pid of the process that owns a temporary state dir.
const ownerFile = "owner.pid"

func writeOwner(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("write state dir owner: %w", err)
	}
	return nil
}

// sweepStaleDirs removes temporary state directories whose owner process is
// gone: a test binary killed by -timeout or a panic never reaches Stop (its
// components die with it, through Pdeathsig), and etcd preallocates 64 MB of
// WAL per cluster. Best effort: errors are ignored.
func sweepStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), stateDirPrefix+"*"))
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, ownerFile))
		if err != nil {
			continue // not ours, or being created right now
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
}
