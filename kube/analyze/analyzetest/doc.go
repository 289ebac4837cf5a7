// Package analyzetest is an in-memory analyze.Source for the tests that
// need no cluster: its lists are the objects a test gives it, filtered by
// namespace as the API server would, and it counts the lists it serves.
//
//	src := analyzetest.NewSource(analyzetest.Objects{Pods: pods, Nodes: nodes})
//	fs, err := analyze.Run(ctx, src, analyze.Scope{})
//	n := src.Lists("pods", "") // how many cluster-wide pod lists
package analyzetest
