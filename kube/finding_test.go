package kube

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSortFindings(t *testing.T) {
	f := func(sev Severity, ns, kind, name, reason, msg string) Finding {
		return Finding{Severity: sev, Object: ObjectRef{Kind: kind, Namespace: ns, Name: name}, Reason: reason, Message: msg}
	}
	in := []Finding{
		f(Info, "a", "Pod", "a", "X", ""),
		f(Warning, "shop", "Pod", "api", "Evicted", ""),
		f(Critical, "shop", "Pod", "api", "OOMKilled", "sidecar"),
		f(Critical, "shop", "Deployment", "api", "ProgressDeadlineExceeded", ""),
		f(Critical, "default", "Pod", "web", "CrashLoopBackOff", ""),
		f(Critical, "shop", "Pod", "api", "CrashLoopBackOff", "first"),
		f(Critical, "shop", "Pod", "api", "CrashLoopBackOff", "second"),
		f(Critical, "shop", "Pod", "api", "OOMKilled", "api"),
	}
	want := []string{
		"critical default/pod/web CrashLoopBackOff ",
		"critical shop/deployment/api ProgressDeadlineExceeded ",
		"critical shop/pod/api CrashLoopBackOff first",
		"critical shop/pod/api CrashLoopBackOff second",
		"critical shop/pod/api OOMKilled sidecar",
		"critical shop/pod/api OOMKilled api",
		"warning shop/pod/api Evicted ",
		"info a/pod/a X ",
	}
	// Any input order gives the same output: stable for equal keys.
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5, 6, 7}, {7, 6, 5, 4, 3, 2, 1, 0}, {3, 0, 5, 2, 7, 4, 1, 6}} {
		fs := make([]Finding, 0, len(in))
		for _, i := range order {
			fs = append(fs, in[i])
		}
		SortFindings(fs)
		var got []string
		for _, f := range fs {
			got = append(got, fmt.Sprintf("%s %s %s %s", f.Severity, f.Object, f.Reason, f.Message))
		}
		if order[0] == 7 { // reversed input keeps equal findings reversed
			want := slices.Clone(want)
			want[2], want[3] = want[3], want[2]
			want[4], want[5] = want[5], want[4]
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("order %v (-want +got):\n%s", order, diff)
			}
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("order %v (-want +got):\n%s", order, diff)
		}
	}
}
