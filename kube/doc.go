// Package kube is kubertnetes' access to a Kubernetes cluster.
//
// It has two sides that never mix:
//
//   - Reader: read-only access used by every agent tool and analyzer (get,
//     describe, logs, events). Everything a Reader returns has passed through
//     the Redactor, so Secret values, credential-looking env values and
//     simulation markers never leave the process.
//   - Fixer: the only code that writes. Its Policy refuses what may not be
//     changed (saying why); it previews a typed Fix with a server-side dry
//     run and a unified diff, and applies it only when a human approval
//     reaches it — as the approver (impersonation) or as itself — with
//     optimistic concurrency on the previewed resourceVersion (ErrConflict;
//     Repreview gives the fresh preview). Verify watches the effect, Rollback
//     derives the inverse fix, and an Auditor records every step as an Event.
//
// A fix's life:
//
//	f, _ := kube.NewFixer(cfg, kube.Policy{})
//	p, err := f.Preview(ctx, kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: "shop", Name: "api"},
//		Operation: kube.OpSetEnv, Env: map[string]string{"PORT": "8080"}, Rationale: "PORT is not a number"})
//	// … a human approves p.Diff …
//	a, err := f.Apply(ctx, *p, kube.Identity{User: "alice@example.com", Groups: []string{"sre"}})
//	v, err := f.Verify(ctx, a, kube.VerifyOptions{})
//	if !v.Verified {
//		undo, err := kube.Rollback(a, v.Reason()) // preview and approve it like any fix
//	}
//
// Analyzers (one file each, registered in Analyzers) turn cluster state into
// Findings without any LLM:
//
//	r, _ := kube.NewReader(cfg, kube.ReaderOptions{})
//	findings, _ := kube.Analyze(ctx, r, kube.Scope{Namespace: "shop"})
//	for _, f := range findings {
//		fmt.Println(f.Severity, f.Object, f.Reason, f.Message)
//	}
package kube
