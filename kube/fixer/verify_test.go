package fixer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kubertnetes/kubertnetes/kube"
)

// quick verification bounds for the simulated plane: kwok starts pods in
// about a second and crashes a bad one a second after it is scheduled.
var quick = VerifyOptions{Timeout: 45 * time.Second, Settle: 3 * time.Second, Interval: 250 * time.Millisecond}

func setPort(ns, port string) kube.Fix {
	return kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: ns, Name: "crashloop-app"}, Operation: kube.OpSetEnv,
		Env: map[string]string{"LISTEN_PORT": port}, Rationale: "LISTEN_PORT must be a number", Expected: "crashloop-app pods Ready"}
}

// The demo's fix, applied and verified on the real control plane: the new
// pod is Ready and stays so, the crash-looping one is gone.
func TestFixCrashloopAppAppliedAndVerified(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	f := newFixer(t, Policy{})
	p, err := f.Preview(t.Context(), setPort(ns, "8080"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.Apply(t.Context(), *p, Identity{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Before == nil || a.After == nil || a.After.GetResourceVersion() != a.ResourceVersion {
		t.Fatalf("Applied lacks the object before and after: %+v", a)
	}
	v, err := f.Verify(t.Context(), a, quick)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Verified {
		t.Fatalf("not verified after %s: %v", v.Elapsed, v.Problems)
	}
	for _, want := range []string{"deployment crashloop-app rolled out: 1/1 pods updated and available", "1 pods Ready, no container crash-looping"} {
		if !strings.Contains(v.Summary(), want) {
			t.Errorf("summary %q lacks %q", v.Summary(), want)
		}
	}
	t.Logf("verified in %s", v.Elapsed.Round(time.Millisecond))
}

// Fixes that do not help fail verification, say what is still wrong, and
// offer a rollback that restores exactly what they changed.
func TestFixNotVerifiedOffersRollback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		fix          func(ns string) kube.Fix
		rollbackDiff []string
		restored     func(t *testing.T, ns string) bool
	}{
		{"a port that is still not a number", func(ns string) kube.Fix { return setPort(ns, "eighty-one") },
			[]string{"-          value: eighty-one\n+          value: eighty\n"},
			func(t *testing.T, ns string) bool { return listenPort(t, plane.Clientset(t), ns) == "eighty" }},
		{"a rollout restart", func(ns string) kube.Fix {
			return kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: ns, Name: "crashloop-app"}, Operation: kube.OpRolloutRestart, Rationale: "try a restart"}
		},
			[]string{"-        kubectl.kubernetes.io/restartedAt:"},
			func(t *testing.T, ns string) bool {
				_, has := deployment(t, plane.Clientset(t), ns, "crashloop-app").Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]
				return !has
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ns := plane.Namespace(t)
			plane.LoadDemo(t, ns)
			f := newFixer(t, Policy{})
			p, err := f.Preview(t.Context(), tt.fix(ns))
			if err != nil {
				t.Fatal(err)
			}
			a, err := f.Apply(t.Context(), *p, Identity{})
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.Verify(t.Context(), a, VerifyOptions{Timeout: 8 * time.Second, Settle: 2 * time.Second, Interval: 250 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if v.Verified {
				t.Fatalf("verified a fix that does not help: %v", v.Seen)
			}
			if !strings.Contains(v.Summary(), "CrashLoopBackOff") || !strings.Contains(v.Summary(), "deployment crashloop-app: 0 of 1 pods available") {
				t.Errorf("problems %q do not say the pods crash-loop and the rollout is stuck", v.Summary())
			}

			rb, err := Rollback(a, v.Summary())
			if err != nil {
				t.Fatal(err)
			}
			if rb.Undoes != p.PatchHash || !strings.Contains(rb.Rationale, "Roll back the "+string(p.Fix.Operation)) || !strings.Contains(rb.Rationale, "CrashLoopBackOff") {
				t.Errorf("rollback fix = %+v", rb)
			}
			rp, err := f.Preview(t.Context(), rb)
			if err != nil {
				t.Fatalf("preview the rollback %s: %v", rb.Patch, err)
			}
			for _, want := range tt.rollbackDiff {
				if !strings.Contains(rp.Diff, want) {
					t.Errorf("rollback diff lacks %q:\n%s", want, rp.Diff)
				}
			}
			ra, err := f.Apply(t.Context(), *rp, Identity{})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.restored(t, ns) {
				t.Errorf("the rollback did not restore the previous value")
			}
			if _, err := Rollback(ra, "still broken"); !errors.Is(err, ErrNoRollback) {
				t.Errorf("a rollback offers its own rollback: %v", err)
			}
		})
	}
}
