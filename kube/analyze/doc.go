// Package analyze turns cluster state into Findings without any LLM: one
// analyzer a file, registered in the Analyzers table, each doing its reads
// through a Source and handing the objects to pure rules (checkPod …).
//
// A Source is a small read-only interface; *kube.Reader satisfies it. Run
// shares the lists of one analysis between the analyzers (each kind is
// listed once per namespace), redacts what they report and sorts it:
//
//	r, _ := kube.NewReader(cfg, kube.ReaderOptions{})
//	findings, err := analyze.Run(ctx, r, analyze.Scope{Namespace: "shop"})
//	for _, f := range findings {
//		fmt.Println(f.Severity, f.Object, f.Reason, f.Message)
//	}
//
// A whole-cluster Run over a PodPager (a *kube.Reader is one) holds one
// namespace's pods at a time: the pods arrive page by page, grouped by
// namespace, and each namespace is analysed as soon as it is complete,
// with the same findings as one sweep of everything.
//
// Shared is Run for many callers at once (every investigation of a bot):
// whole-cluster calls share one sweep while it runs and for a few seconds
// after, and a namespace's analysis reads its part of that sweep's lists:
//
//	sh := analyze.NewShared(r, analyze.SharedOptions{})
//	findings, err := sh.Run(ctx, analyze.Scope{})
//
// One analyzer failing (RBAC, say) does not hide the others' findings: its
// error comes back alongside them. A finding may carry a Proposal, a
// kube.Fix the evidence determines (a near-miss name, say); only kube/fixer
// previews and applies it, and only after a human approves.
package analyze
