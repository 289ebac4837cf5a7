// Package fixer is the only code in kubertnetes that writes to a cluster.
//
// Its Policy refuses what may not be changed, and what a change may not do
// judged on the object before and after it (privilege, identity, exposure,
// new image registries, creating what runs code), saying why; it previews a
// kube.Fix with a server-side dry run and a unified diff, and applies the
// preview only when a human approval reaches it — as the approver
// (impersonation) or as itself — with optimistic concurrency on the
// previewed resourceVersion (ErrConflict; previewing the fix again gives
// the fresh preview). Plan adds the steps a fix needs to take effect (the
// restarts of the workloads that read a changed ConfigMap). Verify watches
// the effect, Rollback derives the inverse fix, and an Auditor records
// every step as an Event.
//
// Only package fixflow, where approvals arrive, and cmd, which wires it,
// import it (a test keeps it so); the agent proposes fixes through a
// one-method Previewer (Plan).
//
// A fix's life:
//
//	f, _ := fixer.New(cfg, fixer.Options{})
//	p, err := f.Preview(ctx, kube.Fix{Target: kube.Target{Kind: "deployment", Namespace: "shop", Name: "api"},
//		Operation: kube.OpSetEnv, Env: map[string]string{"PORT": "8080"}, Rationale: "PORT is not a number"})
//	// … a human approves p.Diff …
//	a, err := f.Apply(ctx, *p, fixer.Identity{User: "alice@example.com", Groups: []string{"sre"}})
//	v, err := f.Verify(ctx, a, fixer.VerifyOptions{})
//	if !v.Verified {
//		undo, err := fixer.Rollback(a, v.Reason()) // preview and approve it like any fix
//	}
package fixer
