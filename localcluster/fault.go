package localcluster

import (
	"fmt"
	"regexp"
)

// FaultKind is what the simulated kubelet reports for a container whose
// spec meets a FaultRule. Each kind reproduces the status fields and the
// Warning events a real kubelet writes for that failure.
type FaultKind int

// Fault kinds. The zero value is invalid.
const (
	// FaultCrash: the container exits with ExitCode (default 1) and Reason
	// (default "Error") as soon as it starts. With restartPolicy Always or
	// OnFailure (or an init container that is a sidecar) the kubelet
	// restarts it: state.waiting.reason CrashLoopBackOff ("back-off 10s
	// restarting failed container=…"), lastState.terminated with the code
	// and reason, restartCount rising every ~10 s, a Warning BackOff event
	// ("Back-off restarting failed container C in pod P_NS(UID)"). With
	// restartPolicy Never the container stays terminated with the code, and
	// the pod goes to phase Failed (so a Job's controller counts a failure).
	FaultCrash FaultKind = iota + 1
	// FaultOOMKilled is FaultCrash with exit code 137 and reason OOMKilled:
	// the kernel killed the container for exceeding its memory limit.
	FaultOOMKilled
	// FaultImagePull: the image cannot be pulled. The container waits with
	// reason ErrImagePull (message: Message, with "{image}" replaced by the
	// image), a few seconds later with ImagePullBackOff (`Back-off pulling
	// image "IMAGE": ErrImagePull: …`); the pod stays Pending. Events:
	// Warning Failed `Failed to pull image "IMAGE": …` and `Error:
	// ErrImagePull`, then Normal BackOff `Back-off pulling image "IMAGE"` and
	// Warning Failed `Error: ImagePullBackOff`.
	FaultImagePull
	// FaultReadinessProbe: the container runs but its readiness probe fails:
	// ready=false, pod conditions Ready and ContainersReady False
	// (ContainersNotReady), a Warning Unhealthy event `Readiness probe
	// failed: …` whose text is the kubelet's for the probe (httpGet:
	// `Get "http://IP:PORT/PATH": dial tcp IP:PORT: connect: connection
	// refused`; tcpSocket: `dial tcp …`; a named port the container does not
	// declare: `Readiness probe errored and resulted in unknown state: port
	// "NAME" not found`), or Message when set. Only regular containers.
	FaultReadinessProbe
	// FaultLivenessProbe: the container runs, its liveness probe fails, and
	// the kubelet kills and restarts it after initialDelaySeconds +
	// periodSeconds × failureThreshold (the probe's own timing, defaults
	// 0 + 10 × 3): restartCount rising, lastState.terminated with ExitCode
	// (default 137) and reason Error, a Warning Unhealthy event `Liveness
	// probe failed: …` and a Normal Killing event `Container C failed
	// liveness probe, will be restarted`. Only regular containers.
	FaultLivenessProbe
)

func (k FaultKind) String() string {
	switch k {
	case FaultCrash:
		return "Crash"
	case FaultOOMKilled:
		return "OOMKilled"
	case FaultImagePull:
		return "ImagePull"
	case FaultReadinessProbe:
		return "ReadinessProbe"
	case FaultLivenessProbe:
		return "LivenessProbe"
	default:
		return fmt.Sprintf("FaultKind(%d)", int(k))
	}
}

// FaultRule is one piece of the simulated kubelet: every container (init
// containers included, for the kinds that apply to them) whose own spec
// satisfies When gets the fault of Kind, the way a kubelet would report it.
// Because the rule reads the spec, a fix to the spec rolls out pods that no
// longer match, and they run — exactly as on a real cluster.
//
// A rule applies to the first four containers and the first two init
// containers of a pod (one kwok stage each); containers beyond those run.
type FaultRule struct {
	// Name identifies the rule in kwok's stages; a short DNS label.
	Name string
	// Kind is the fault. Required.
	Kind FaultKind
	// When is a jq expression (gojq, as kwok evaluates stage selectors)
	// over one container of the pod, with the whole Pod bound to $pod; the
	// container faults when it yields true. An expression that fails (a
	// jq error) counts as false. Example, a container whose env PORT is set
	// and not a number:
	//
	//	[.env[]? | select(.name == "PORT") | .value | strings | test("^[0-9]+$") | not] | any
	When string
	// ExitCode is lastState.terminated.exitCode for FaultCrash (default 1)
	// and FaultLivenessProbe (default 137).
	ExitCode int
	// Reason is lastState.terminated.reason for FaultCrash (default Error).
	Reason string
	// Message is the pull error of FaultImagePull ("{image}" stands for the
	// image, "{registry}" for its registry host; default: the registry
	// answered not found), or, for the probe
	// kinds, the probe's output instead of the computed connection error
	// (e.g. "HTTP probe failed with statuscode: 404").
	Message string
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$`)

// validate checks a rule before kwok sees it (kwok only says why a stage
// failed in its log).
func (r FaultRule) validate() error {
	if !dnsLabel.MatchString(r.Name) {
		return fmt.Errorf("fault rule name %q is not a short DNS label (at most 32 characters)", r.Name)
	}
	if r.Kind < FaultCrash || r.Kind > FaultLivenessProbe {
		return fmt.Errorf("fault rule %s: unknown kind %v", r.Name, r.Kind)
	}
	if r.When == "" {
		return fmt.Errorf("fault rule %s has no condition (When)", r.Name)
	}
	if r.ExitCode < 0 || r.ExitCode > 255 {
		return fmt.Errorf("fault rule %s: exit code %d is outside 0-255", r.Name, r.ExitCode)
	}
	return nil
}

// defaults fills the kind's default exit code, reason and message.
func (r FaultRule) defaults() FaultRule {
	switch r.Kind {
	case FaultOOMKilled:
		r.Kind, r.ExitCode, r.Reason = FaultCrash, 137, "OOMKilled"
	case FaultLivenessProbe:
		if r.ExitCode == 0 {
			r.ExitCode = 137
		}
	case FaultImagePull:
		if r.Message == "" {
			r.Message = `rpc error: code = NotFound desc = failed to pull and unpack image "{image}": failed to resolve reference "{image}": {image}: not found`
		}
	}
	if r.Kind == FaultCrash && r.ExitCode == 0 {
		r.ExitCode = 1
	}
	if r.Reason == "" {
		r.Reason = "Error"
	}
	return r
}

// Slots a rule applies to: one kwok stage per container position, since a
// stage's template cannot evaluate jq per container.
const (
	maxFaultContainers     = 4
	maxFaultInitContainers = 2
)

// slot is one container position in a pod spec.
type slot struct {
	init  bool
	index int
}

func (s slot) list() string {
	if s.init {
		return "initContainers"
	}
	return "containers"
}

func (s slot) statuses() string {
	if s.init {
		return "initContainerStatuses"
	}
	return "containerStatuses"
}

func (s slot) String() string {
	if s.init {
		return fmt.Sprintf("i%d", s.index)
	}
	return fmt.Sprintf("c%d", s.index)
}

// slots are the positions a kind applies to.
func (k FaultKind) slots() []slot {
	var out []slot
	for i := range maxFaultContainers {
		out = append(out, slot{index: i})
	}
	if k == FaultReadinessProbe || k == FaultLivenessProbe {
		return out
	}
	for i := range maxFaultInitContainers {
		out = append(out, slot{init: true, index: i})
	}
	return out
}
