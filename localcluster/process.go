package localcluster

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one running component.
type process struct {
	name    string
	pid     int
	logPath string
	done    chan struct{} // closed once the process has exited and been reaped
	err     error         // how it exited; read only after done is closed
}

// exited reports whether the process has already ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to the process group, waits up to grace, then SIGKILLs it.
func (p *process) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	_ = syscall.Kill(-p.pid, syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(grace):
	}
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	<-p.done
}

// failure describes a process that ended unexpectedly, with its log tail.
func (p *process) failure() error {
	return fmt.Errorf("%s exited (%v); last lines of %s:\n%s", p.name, p.err, p.logPath, logTail(p.logPath, 20))
}

// spawner starts child processes from one goroutine locked to its OS thread.
// Linux delivers a child's Pdeathsig when the *thread* that forked it exits,
// not the process (go.dev/issue/27505); forking from a thread that lives as
// long as the cluster makes SIGKILL-on-parent-death mean exactly that, and
// closing the spawner (its thread then exits) kills any straggler.
type spawner struct {
	reqs chan spawnRequest
	once sync.Once
	quit chan struct{}
}

type spawnRequest struct {
	cmd   *exec.Cmd
	reply chan error
}

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan spawnRequest), quit: make(chan struct{})}
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: when this goroutine returns, its thread exits.
		for {
			select {
			case r := <-s.reqs:
				r.reply <- r.cmd.Start()
			case <-s.quit:
				return
			}
		}
	}()
	return s
}

// close ends the spawner's thread; children it started get SIGKILL.
func (s *spawner) close() { s.once.Do(func() { close(s.quit) }) }

// start runs bin with args as a component called name, in its own process
// group, with stdout and stderr appended to logPath.
func (s *spawner) start(name, logPath, bin string, args ...string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", name, err)
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	reply := make(chan error, 1)
	select {
	case s.reqs <- spawnRequest{cmd: cmd, reply: reply}:
	case <-s.quit:
		return nil, errors.New("cluster is stopping")
	}
	if err := <-reply; err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, pid: cmd.Process.Pid, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stopAll stops the processes concurrently, each with the given grace period.
func stopAll(procs []*process, grace time.Duration) {
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Go(func() { p.stop(grace) })
	}
	wg.Wait()
}

// logTail returns the last n lines of the file at path.
func logTail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer f.Close()
	const maxTail = 16 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > maxTail {
		_, _ = f.Seek(fi.Size()-maxTail, io.SeekStart)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return fmt.Sprintf("(read log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePorts returns n distinct TCP ports free on 127.0.0.1 right now.
// Another process may grab one before the component binds it; Start
// retries when a component fails that way.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
