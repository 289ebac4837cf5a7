// Package kube is kubertnetes' read-only access to a Kubernetes cluster,
// and the data the rest of kubertnetes passes around about it.
//
//   - Reader: get, describe, logs, events, explain, top, auth can-i,
//     rollout history, api-resources and a kubectl-style Command, each
//     rendered as text that has passed through the Redactor, so Secret
//     values and credential-looking values never leave the process; and the
//     typed, paged lists the analyzers read (kube/analyze). A Reader only
//     ever reads.
//   - Finding, ObjectRef, Severity: what an analysis reports.
//   - Fix, Target, Operation and Preview: a proposed change and its
//     server-side dry run, as data. Only kube/fixer compiles, previews and
//     applies them; this package cannot write.
//
// ReaderOptions.Hidden keeps machinery that is not the user's cluster out
// of sight, e.g. a simulator's API group and annotations:
//
//	r, err := kube.NewReader(cfg, kube.ReaderOptions{Hidden: kube.Hidden{
//		APIGroups: []string{"sim.example.com"}, KeyPrefixes: []string{"sim.example.com/"},
//	}})
//	out, err := r.Command(ctx, "kubectl get pods -n shop -o wide")
//	logs, err := r.Logs(ctx, kube.LogsRequest{Namespace: "shop", Pod: "deployment/api", Previous: true})
//	evs, err := r.Events(ctx, kube.EventsRequest{Namespace: "shop", Kind: "cj", Name: "nightly"})
package kube
