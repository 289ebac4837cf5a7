package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

// MaxEvents is how many events one events call keeps, the newest: events
// are read a page (listPageSize) at a time and the older ones dropped as
// the pages come, so a cluster with 100,000 events costs the memory of
// MaxEvents.
const MaxEvents = 5000

// EventList returns events newest first, at most MaxEvents of them.
func (r *Reader) EventList(ctx context.Context, req EventsRequest) ([]corev1.Event, error) {
	evs, _, err := r.eventList(ctx, req)
	return evs, err
}

// eventList is EventList that also says how many matching events it
// dropped for MaxEvents.
func (r *Reader) eventList(ctx context.Context, req EventsRequest) ([]corev1.Event, int, error) {
	ns := req.Namespace
	if req.AllNamespaces {
		ns = ""
	}
	if err := validRef(ns, req.Name); err != nil {
		return nil, 0, err
	}
	sel := fields.Set{}
	if req.Name != "" {
		sel["involvedObject.name"] = req.Name
	}
	if req.Kind != "" {
		m, err := r.mapping(req.Kind)
		if err != nil {
			return nil, 0, fmt.Errorf("events of kind %q: %w", req.Kind, err)
		}
		sel["involvedObject.kind"] = m.GroupVersionKind.Kind
	}
	if req.WarningsOnly {
		sel["type"] = corev1.EventTypeWarning
	}
	evs, dropped, err := r.newestEvents(ctx, ns, sel.AsSelector().String())
	if err != nil {
		return nil, 0, err
	}
	if req.Limit > 0 && len(evs) > req.Limit {
		evs = evs[:req.Limit]
	}
	for i := range evs {
		evs[i].Message = r.redact.Text(evs[i].Message)
	}
	return evs, dropped, nil
}

// newestEvents reads the events matching sel page by page and keeps the
// newest r.maxEvents, newest first; dropped counts the others.
func (r *Reader) newestEvents(ctx context.Context, ns, sel string) (evs []corev1.Event, dropped int, err error) {
	keep := func(n int) {
		sort.SliceStable(evs, func(i, j int) bool { return EventTime(evs[j]).Before(EventTime(evs[i])) })
		if len(evs) > n {
			dropped += len(evs) - n
			clear(evs[n:]) // let the dropped events be collected
			evs = evs[:n]
		}
	}
	opts := metav1.ListOptions{FieldSelector: sel, Limit: int64(r.eventPage)}
	for {
		list, err := r.lists.CoreV1().Events(ns).List(ctx, opts)
		if apierrors.IsResourceExpired(err) && opts.Continue != "" {
			evs, dropped, opts.Continue = nil, 0, "" // the token expired: read again from the start
			continue
		}
		if err != nil {
			return nil, 0, ReadError(err, "events", ns, "")
		}
		for i := range list.Items {
			slim(&list.Items[i])
		}
		evs = append(evs, list.Items...)
		if len(evs) >= 2*r.maxEvents {
			keep(r.maxEvents)
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	keep(r.maxEvents)
	return evs, dropped, nil
}

// Events renders events as a table, newest first.
func (r *Reader) Events(ctx context.Context, req EventsRequest) (string, error) {
	if req.Limit == 0 {
		req.Limit = 50
	}
	evs, dropped, err := r.eventList(ctx, req)
	if err != nil {
		return "", err
	}
	if len(evs) == 0 {
		return "No events found.", nil
	}
	var b strings.Builder
	if dropped > 0 {
		fmt.Fprintf(&b, "[%d older events were not read (at most %d are); narrow with a namespace, --for or --types=Warning]\n", dropped, r.maxEvents)
	}
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
