// Package metrics holds kubertnetes' Prometheus metrics and serves them,
// with the health endpoints, for `kubertnetes serve`:
//
//	/healthz  the process is alive
//	/readyz   Slack is connected and the cluster answers
//	/metrics  Prometheus text format
//
// Counters are updated by the bot as events, tool steps, model usage and
// approvals happen; every metric is prefixed kubertnetes_.
package metrics
