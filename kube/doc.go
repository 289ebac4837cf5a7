// Package kube is kubertnetes' access to a Kubernetes cluster.
//
// It has two sides that never mix:
//
//   - Reader: read-only access used by every agent tool and analyzer (get,
//     describe, logs, events). Everything a Reader returns has passed through
//     the Redactor, so Secret values, credential-looking env values and
//     simulation markers never leave the process.
//   - Fixer: the only code that writes. It previews a typed Fix with a
//     server-side dry run and a unified diff, and applies it only when a human
//     approval reaches it, with optimistic concurrency on the previewed
//     resourceVersion.
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
