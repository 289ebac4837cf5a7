package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/duration"
)

// EventsRequest selects events: one namespace ("" with AllNamespaces for
// all), optionally one involved object, optionally warnings only.
type EventsRequest struct {
	Namespace     string
	AllNamespaces bool
	// Kind as a user would write it (pod, cj, hpa, configmaps, Deployment):
	// resolved by discovery to the Kind events carry.
	Kind         string
	Name         string
	WarningsOnly bool
	Limit        int
}

// EventList returns events newest first.
func (r *Reader) EventList(ctx context.Context, req EventsRequest) ([]corev1.Event, error) {
	ns := req.Namespace
	if req.AllNamespaces {
		ns = ""
	}
	sel := fields.Set{}
	if req.Name != "" {
		sel["involvedObject.name"] = req.Name
	}
	if req.Kind != "" {
		m, err := r.mapping(req.Kind)
		if err != nil {
			return nil, fmt.Errorf("events of kind %q: %w", req.Kind, err)
		}
		sel["involvedObject.kind"] = m.GroupVersionKind.Kind
	}
	if req.WarningsOnly {
		sel["type"] = corev1.EventTypeWarning
	}
	list, err := r.core.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: sel.AsSelector().String()})
	if err != nil {
		return nil, ReadError(err, "events", ns, "")
	}
	evs := list.Items
	sort.SliceStable(evs, func(i, j int) bool { return EventTime(evs[j]).Before(EventTime(evs[i])) })
	if req.Limit > 0 && len(evs) > req.Limit {
		evs = evs[:req.Limit]
	}
	for i := range evs {
		evs[i].Message = r.redact.Text(evs[i].Message)
	}
	return evs, nil
}

// Events renders events as a table, newest first.
func (r *Reader) Events(ctx context.Context, req EventsRequest) (string, error) {
	if req.Limit == 0 {
		req.Limit = 50
	}
	evs, err := r.EventList(ctx, req)
	if err != nil {
		return "", err
	}
	if len(evs) == 0 {
		return "No events found.", nil
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LAST SEEN\tTYPE\tREASON\tOBJECT\tCOUNT\tMESSAGE")
	now := time.Now()
	for _, e := range evs {
		obj := strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name
		if req.AllNamespaces {
			obj = e.Namespace + "/" + obj
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", duration.HumanDuration(now.Sub(EventTime(e))), e.Type, e.Reason, obj, max(e.Count, 1), strings.ReplaceAll(e.Message, "\n", " "))
	}
	w.Flush()
	return b.String(), nil
}

// EventTime is when e last happened: its series' last observation if set,
// else its last timestamp, else its event time, else its creation.
func EventTime(e corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	default:
		return e.CreationTimestamp.Time
	}
}
