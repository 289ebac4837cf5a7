package fixer

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// serviceChanges are the exposure violations of a change to a Service
// (before nil: a created one).
func serviceChanges(before, after map[string]any) []violation {
	b, a := child(before, "spec"), child(after, "spec")
	var vs []violation
	add := func(format string, args ...any) {
		vs = append(vs, violation{RuleExposure, fmt.Sprintf(format, args...)})
	}
	typ := func(spec map[string]any) string {
		if t := scalar(spec, "type"); t != "" {
			return t
		}
		return "ClusterIP"
	}
	was, now := typ(b), typ(a)
	if was != now && now != "ClusterIP" {
		add("change the Service's type from %s to %s (spec.type)", was, quote(now))
	}
	for _, ip := range added(stringList(b, "externalIPs"), stringList(a, "externalIPs")) {
		add("make the Service answer on external IP %s (spec.externalIPs)", quote(ip))
	}
	if was == now { // a new type allocates node ports; its refusal says enough
		for _, np := range added(openPorts(b, "nodePort"), openPorts(a, "nodePort")) {
			add("open node port %s on every node (spec.ports[].nodePort)", np)
		}
	}
	if wider := widerRanges(stringList(b, "loadBalancerSourceRanges"), stringList(a, "loadBalancerSourceRanges")); wider != "" {
		add("let more clients reach the load balancer: %s (spec.loadBalancerSourceRanges)", wider)
	}
	if now := scalar(a, "externalName"); now != "" && now != scalar(b, "externalName") {
		add("point the Service's name at %s (spec.externalName)", quote(now))
	}
	return vs
}

// widerRanges says how after admits clients before did not, or "". An
// empty list admits everyone; a range inside one of before's is no wider.
func widerRanges(before, after []string) string {
	if len(before) == 0 {
		return "" // it admitted everyone already
	}
	if len(after) == 0 {
		return "the list is emptied, which admits every address"
	}
	var wider []string
	for _, r := range after {
		p, err := netip.ParsePrefix(strings.TrimSpace(r))
		inside := slices.ContainsFunc(before, func(b string) bool {
			bp, berr := netip.ParsePrefix(strings.TrimSpace(b))
			return err == nil && berr == nil && bp.Bits() <= p.Bits() && bp.Contains(p.Addr())
		})
		if !inside {
			wider = append(wider, quote(r))
		}
	}
	if len(wider) == 0 {
		return ""
	}
	return "adds " + strings.Join(wider, ", ")
}

// ingressChanges are the hosts an Ingress serves that it did not ("*"
// for a rule without a host or a default backend, which answer any host).
// Backends may change: pointing a rule at the right Service is the common
// fix, and the Service is reachable inside the cluster either way.
func ingressChanges(before, after map[string]any) []violation {
	hosts := func(obj map[string]any) []string {
		spec := child(obj, "spec")
		var out []string
		if child(spec, "defaultBackend") != nil || child(spec, "backend") != nil {
			out = append(out, "*")
		}
		for _, r := range items(spec, "rules") {
			h := scalar(r, "host")
			if h == "" {
				h = "*"
			}
			out = append(out, h)
		}
		return out
	}
	var vs []violation
	for _, h := range added(hosts(before), hosts(after)) {
		vs = append(vs, violation{RuleExposure, fmt.Sprintf("make the Ingress serve host %s, which it did not (spec.rules[].host; * is any host)", quote(h))})
	}
	return vs
}
