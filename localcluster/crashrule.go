package localcluster

import (
	"fmt"
	"regexp"
	"strconv"
)

// CrashRule makes kwok crash-loop every pod whose own spec satisfies a
// condition, as a kubelet would report a container that exits at start:
// the same status, restart counts and BackOff events as CrashLoopAnnotation.
// Because the rule reads the pod spec, changing the spec (a fix) ends the
// crash loop for the new pods — exactly as on a real cluster.
type CrashRule struct {
	// Name identifies the rule in kwok's stages; a DNS label.
	Name string
	// When is a jq expression (gojq, which kwok evaluates stage selectors
	// with) over the whole Pod object; the pod crash-loops when it yields
	// true. An expression that fails on a pod (a jq error) counts as false.
	// Example: a container whose env PORT is set and not a number:
	//
	//	[.spec.containers[]?.env[]? | select(.name == "PORT") | .value | strings | test("^[0-9]+$") | not] | any
	When string
	// ExitCode is lastState.terminated.exitCode (default 1).
	ExitCode int
	// Reason is lastState.terminated.reason (default Error).
	Reason string
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$`)

// validate checks a rule before kwok sees it (kwok only says why it failed
// in its log).
func (r CrashRule) validate() error {
	if !dnsLabel.MatchString(r.Name) {
		return fmt.Errorf("crash rule name %q is not a short DNS label", r.Name)
	}
	if r.When == "" {
		return fmt.Errorf("crash rule %s has no condition (When)", r.Name)
	}
	if r.ExitCode < 0 || r.ExitCode > 255 {
		return fmt.Errorf("crash rule %s: exit code %d is outside 0-255", r.Name, r.ExitCode)
	}
	return nil
}

func (r CrashRule) trigger() crashTrigger {
	exit, reason := r.ExitCode, r.Reason
	if exit == 0 {
		exit = 1
	}
	if reason == "" {
		reason = "Error"
	}
	return crashTrigger{
		name:     "pod-crashrule-" + r.Name,
		selector: r.When,
		exit:     strconv.Itoa(exit),
		reason:   strconv.Quote(reason),
	}
}
