package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the bot's counters, on their own registry.
type Metrics struct {
	reg *prometheus.Registry
	// EventsReceived counts Socket Mode envelopes by type (events_api, interactive…).
	EventsReceived *prometheus.CounterVec
	// EventsAcked counts envelopes acknowledged, by type.
	EventsAcked *prometheus.CounterVec
	// Investigations counts questions answered, by outcome (answered, budget, error, cancelled).
	Investigations *prometheus.CounterVec
	// ToolCalls counts tool steps by tool and outcome (ok, error).
	ToolCalls *prometheus.CounterVec
	// LLMTokens counts model tokens by kind (prompt, completion).
	LLMTokens *prometheus.CounterVec
	// Approvals counts clicks on proposals by outcome (applied, rejected, refused, expired, failed).
	Approvals *prometheus.CounterVec
	// Errors counts failures by where they happened (slack, model, cluster, store).
	Errors *prometheus.CounterVec
}

// New registers every metric, plus Go runtime and process metrics.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	vec := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "kubertnetes", Name: name, Help: help}, labels)
		reg.MustRegister(c)
		return c
	}
	return &Metrics{
		reg:            reg,
		EventsReceived: vec("slack_events_received_total", "Socket Mode envelopes received, by type.", "type"),
		EventsAcked:    vec("slack_events_acked_total", "Socket Mode envelopes acknowledged, by type.", "type"),
		Investigations: vec("investigations_total", "Questions investigated, by outcome.", "outcome"),
		ToolCalls:      vec("tool_calls_total", "Read-only tool steps, by tool and outcome.", "tool", "outcome"),
		LLMTokens:      vec("llm_tokens_total", "Model tokens spent, by kind (prompt, completion).", "kind"),
		Approvals:      vec("approvals_total", "Clicks on fix proposals, by outcome.", "outcome"),
		Errors:         vec("errors_total", "Failures, by where they happened.", "where"),
	}
}

// Handler serves the metrics in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
