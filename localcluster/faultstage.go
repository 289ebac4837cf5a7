package localcluster

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// faultWeight makes a fault stage win over kwok's stock stages (weight 0)
// for the pods it matches.
const faultWeight = 10000

// jqNeedsConfig: some container takes env from a ConfigMap or Secret that
// is not optional — the kubelet must resolve it before it can create the
// container, which the config check does for the simulation.
const jqNeedsConfig = `any((.spec.initContainers // [])[], (.spec.containers // [])[];
  any((.envFrom // [])[]; ((.configMapRef // .secretRef) // {}) | .name != null and .optional != true)
  or any((.env // [])[]; ((.valueFrom.configMapKeyRef // .valueFrom.secretKeyRef) // {}) | .name != null and .optional != true))`

// jqConfigResolved is true for a pod kwok may run: it needs no config, or
// the config check resolved it (condition PodReadyToStartContainers, set by
// the check) and no container waits in CreateContainerConfigError.
const jqConfigResolved = `((` + jqNeedsConfig + `) | not) or (any(.status.conditions[]?; .type == "PodReadyToStartContainers" and .status == "True")
  and (any(.status.initContainerStatuses[]?, .status.containerStatuses[]?; .state.waiting.reason == "CreateContainerConfigError") | not))`

// stage is one kwok Stage for pods, rendered as YAML.
type stage struct {
	name string
	// phases are the pod phases it applies to, for pods not being deleted.
	phases []string
	// selector: jq keys that must yield one of the values (all ANDed).
	selector []requirement
	weight   int
	// delayMS is the delay; delayJQ, when set, computes it (a duration
	// string such as "10s") from the pod.
	delayMS int
	delayJQ string
	// patch is the status template; events are Event object templates
	// applied after it.
	patch  string
	events []string
}

type requirement struct {
	key    string
	values []string
}

func (s stage) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\nmetadata:\n  name: %s\nspec:\n  resourceRef: {apiGroup: v1, kind: Pod}\n", s.name)
	// kwok evaluates every stage's selector on every pod update, and each
	// jq run has a fixed cost: "not being deleted" and the phase are one.
	phases, _ := json.Marshal(s.phases)
	fmt.Fprintf(&b, "  selector:\n    matchExpressions:\n    - key: 'select(.metadata.deletionTimestamp == null) | .status.phase'\n      operator: 'In'\n      values: %s\n", phases)
	for _, r := range s.selector {
		vals, _ := json.Marshal(r.values)
		fmt.Fprintf(&b, "    - key: %s\n      operator: 'In'\n      values: %s\n", quote(r.key), vals)
	}
	if s.weight > 0 {
		fmt.Fprintf(&b, "  weight: %d\n", s.weight)
	}
	fmt.Fprintf(&b, "  delay:\n    durationMilliseconds: %d\n", s.delayMS)
	if s.delayJQ != "" {
		fmt.Fprintf(&b, "    durationFrom:\n      jq:\n        expression: %s\n", quote(s.delayJQ))
	}
	b.WriteString("  steps:\n")
	fmt.Fprintf(&b, "  - patch:\n      subresource: status\n      root: status\n      template: %s\n", quote(s.patch))
	for _, e := range s.events {
		fmt.Fprintf(&b, "  - apply:\n      template: %s\n", quote(e))
	}
	return b.String()
}

// quote makes a YAML double-quoted scalar (a JSON string is one).
func quote(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// holdStage keeps kwok's hands off pods whose config the check has not
// resolved, or could not: it wins over pod-ready, and no fault stage
// matches such pods.
func holdStage() stage {
	return stage{
		name:     "pod-config-hold",
		phases:   []string{"Pending"},
		selector: []requirement{{key: jqConfigResolved, values: []string{"false"}}},
		weight:   faultWeight,
		patch:    tplHold,
	}
}

// variant is one way a rule's kind plays out: crashes differ by restart
// policy (restarted, or left terminated).
type variant struct {
	suffix   string
	phases   []string
	extra    func(slot) string // jq over the container, $pod bound
	delayJQ  func(slot) string
	fragment string
	events   int
}

// restarts: whether the kubelet restarts this container after it exits.
func restarts(s slot) string {
	pod := `(($pod.spec.restartPolicy // "Always") != "Never")`
	if s.init {
		return `(.restartPolicy == "Always" or ` + pod + `)`
	}
	return pod
}

// slotStatus is a jq expression for the slot's current container status.
func slotStatus(s slot) string {
	return fmt.Sprintf(`(.spec.%s[%d].name) as $n | [.status.%s[]? | select(.name == $n)][0]`, s.list(), s.index, s.statuses())
}

func (k FaultKind) variants() []variant {
	always := func(slot) string { return "true" }
	fixed := func(d string) func(slot) string { return func(slot) string { return quote(d) } }
	switch k {
	case FaultCrash:
		return []variant{{
			suffix: "", phases: []string{"Pending", "Running"}, extra: restarts,
			// First crash ~1 s after the pod is scheduled, then one every ~10 s.
			delayJQ: func(s slot) string {
				return slotStatus(s) + ` | if .lastState.terminated != null then "10s" else "1s" end`
			},
			fragment: tplCrashRestart, events: 1,
		}, {
			suffix: "-exit", phases: []string{"Pending", "Running"},
			extra:   func(s slot) string { return "(" + restarts(s) + " | not)" },
			delayJQ: fixed("1s"), fragment: tplCrashExit,
		}}
	case FaultImagePull:
		return []variant{{
			phases: []string{"Pending", "Running"}, extra: always,
			delayJQ: func(s slot) string {
				return slotStatus(s) + ` | (.state.waiting.reason // "") as $r | if $r == "ErrImagePull" then "4s" elif $r == "ImagePullBackOff" then "20s" else "1s" end`
			},
			fragment: tplImagePull, events: 2,
		}}
	case FaultReadinessProbe:
		// Taken from pod-ready's first move, so such a pod is never Ready;
		// the probe's Unhealthy event follows once the pod runs and has an IP.
		probe := func(slot) string { return "(.readinessProbe != null)" }
		return []variant{{
			suffix: "-start", phases: []string{"Pending"}, extra: probe,
			delayJQ: fixed("1s"), fragment: tplReadiness,
		}, {
			phases: []string{"Running"}, extra: probe,
			delayJQ: fixed("1s"), fragment: tplReadiness, events: 1,
		}}
	case FaultLivenessProbe:
		return []variant{{
			phases: []string{"Running"},
			extra: func(s slot) string {
				return `(.livenessProbe != null and (.name as $n | any($pod.status.containerStatuses[]?; .name == $n and .state.running != null)))`
			},
			// The probe's own timing: failureThreshold failures, periodSeconds
			// apart, after initialDelaySeconds.
			delayJQ: func(s slot) string {
				return fmt.Sprintf(`.spec.containers[%d].livenessProbe | "\((.initialDelaySeconds // 0) + (.periodSeconds // 10) * (.failureThreshold // 3))s"`, s.index)
			},
			fragment: tplLiveness, events: 2,
		}}
	}
	return nil
}

// stages renders a rule as one kwok stage per container slot and variant.
func (r FaultRule) stages() []stage {
	r = r.defaults()
	var out []stage
	for _, v := range r.Kind.variants() {
		for _, s := range r.Kind.slots() {
			sel := fmt.Sprintf(`. as $pod | .spec.%s[%d] // empty | %s and (%s)`, s.list(), s.index, v.extra(s), r.When)
			fill := strings.NewReplacer(
				"SLOT_INIT", strconv.FormatBool(s.init), "SLOT_INDEX", strconv.Itoa(s.index),
				"SLOT_LIST", s.list(), "SLOT_STATUSES", s.statuses(),
				"FAULT_EXIT", strconv.Itoa(r.ExitCode), "FAULT_REASON", strconv.Quote(r.Reason),
				"FAULT_MESSAGE", strconv.Quote(r.Message), "PROBE_KIND", probeKind(r.Kind),
			).Replace
			st := stage{
				name:   fmt.Sprintf("fault-%s-%s%s", r.Name, s, v.suffix),
				phases: v.phases,
				selector: []requirement{
					{key: sel, values: []string{"true"}},
					{key: jqConfigResolved, values: []string{"true"}},
				},
				weight:  faultWeight,
				delayMS: 1000,
				delayJQ: v.delayJQ(s),
				patch:   fill(tplPrelude + v.fragment + tplStatus),
			}
			for i := range v.events {
				st.events = append(st.events, fill(tplPrelude+v.fragment+strings.ReplaceAll(tplEvent, "EVENT_INDEX", strconv.Itoa(i))))
			}
			out = append(out, st)
		}
	}
	return out
}

func probeKind(k FaultKind) string {
	if k == FaultLivenessProbe {
		return "Liveness"
	}
	return "Readiness"
}
