package kube

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	other := plane.Namespace(t)
	cs := plane.Clientset(t)
	now := time.Now()
	for _, e := range []struct {
		ns, name, typ, reason, kind, object string
		ago                                 time.Duration
		count                               int32
		message                             string
	}{
		{ns, "pulled", "Normal", "Pulled", "Pod", "web-1", 5 * time.Minute, 1, "Successfully pulled image"},
		{ns, "backoff", "Warning", "BackOff", "Pod", "web-1", time.Minute, 7, "Back-off restarting failed container"},
		{ns, "scaled", "Normal", "ScalingReplicaSet", "Deployment", "web", 3 * time.Minute, 1, "Scaled up replica set web-5d4 from 0 to 2"},
		{ns, "probe", "Warning", "Unhealthy", "Pod", "web-2", 10 * time.Second, 3, "Readiness probe failed:\nHTTP 500"},
		{ns, "mount", "Warning", "FailedMount", "Pod", "web-1", time.Hour, 0, `MountVolume.SetUp failed for volume "creds" : secret "db" not found`},
		{other, "elsewhere", "Warning", "BackOff", "Pod", "web-1", 2 * time.Second, 1, "Back-off restarting failed container"},
	} {
		at := metav1.NewTime(now.Add(-e.ago))
		_, err := cs.CoreV1().Events(e.ns).Create(t.Context(), &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Name: e.name},
			InvolvedObject: corev1.ObjectReference{Kind: e.kind, Namespace: e.ns, Name: e.object},
			Type:           e.typ, Reason: e.reason, Message: e.message, Count: e.count,
			Source:         corev1.EventSource{Component: "test"},
			FirstTimestamp: at, LastTimestamp: at,
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	r := newReader(t)

	t.Run("list", func(t *testing.T) {
		tests := []struct {
			name string
			req  EventsRequest
			want []string
		}{
			{"newest first", EventsRequest{}, []string{"probe", "backoff", "scaled", "pulled", "mount"}},
			{"warnings only", EventsRequest{WarningsOnly: true}, []string{"probe", "backoff", "mount"}},
			{"one object", EventsRequest{Kind: "pod", Name: "web-1"}, []string{"backoff", "pulled", "mount"}},
			{"one object, short kind, warnings", EventsRequest{Kind: "po", Name: "web-1", WarningsOnly: true}, []string{"backoff", "mount"}},
			{"a kind", EventsRequest{Kind: "deploy"}, []string{"scaled"}},
			{"a name", EventsRequest{Name: "web"}, []string{"scaled"}},
			{"limit keeps the newest", EventsRequest{Limit: 2}, []string{"probe", "backoff"}},
			{"nothing", EventsRequest{Name: "ghost"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tt.req.Namespace = ns
				evs, err := r.EventList(t.Context(), tt.req)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, e := range evs {
					got = append(got, e.Name)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("events (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("table", func(t *testing.T) {
		out, err := r.Events(t.Context(), EventsRequest{Namespace: ns, Kind: "Pod"})
		if err != nil {
			t.Fatal(err)
		}
		header, rows := tableRows(t, out)
		if diff := cmp.Diff([]string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"}, header); diff != "" {
			t.Errorf("header (-want +got):\n%s", diff)
		}
		want := [][]string{ // without LAST SEEN, which moves with the clock
			{"Warning", "Unhealthy", "pod/web-2", "3", "Readiness", "probe", "failed:", "HTTP", "500"},
			{"Warning", "BackOff", "pod/web-1", "7", "Back-off", "restarting", "failed", "container"},
			{"Normal", "Pulled", "pod/web-1", "1", "Successfully", "pulled", "image"},
			{"Warning", "FailedMount", "pod/web-1", "1", "MountVolume.SetUp", "failed", "for", "volume", `"creds"`, ":", "secret", `"db"`, "not", "found"},
		}
		var got [][]string
		for _, row := range rows {
			got = append(got, row[1:])
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rows (-want +got):\n%s\n%s", diff, out)
		}
	})

	t.Run("all namespaces names the namespace", func(t *testing.T) {
		out, err := r.Events(t.Context(), EventsRequest{AllNamespaces: true, Namespace: "ignored", Name: "web-1", WarningsOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		_, rows := tableRows(t, out)
		for _, row := range rows {
			if obj := row[3]; obj == ns+"/pod/web-1" || obj == other+"/pod/web-1" {
				got = append(got, obj+" "+row[2])
			}
		}
		want := []string{other + "/pod/web-1 BackOff", ns + "/pod/web-1 BackOff", ns + "/pod/web-1 FailedMount"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rows (-want +got):\n%s\n%s", diff, out)
		}
	})

	t.Run("none", func(t *testing.T) {
		out, err := r.Events(t.Context(), EventsRequest{Namespace: ns, Name: "ghost"})
		if err != nil {
			t.Fatal(err)
		}
		if out != "No events found." {
			t.Errorf("Events = %q, want %q", out, "No events found.")
		}
	})

	t.Run("forbidden", func(t *testing.T) {
		nobody, err := NewReader(plane.User(t, "nobody"), ReaderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = nobody.Events(t.Context(), EventsRequest{Namespace: ns})
		want := `forbidden: kubertnetes' identity may not read events in namespace "` + ns + `" (RBAC): Forbidden`
		if err == nil || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
	})
}

func TestEventTime(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(d time.Duration) metav1.Time { return metav1.NewTime(t0.Add(d)) }
	micro := func(d time.Duration) metav1.MicroTime { return metav1.NewMicroTime(t0.Add(d)) }
	created := metav1.ObjectMeta{CreationTimestamp: at(0)}
	tests := []struct {
		name string
		e    corev1.Event
		want time.Time
	}{
		{"series last observed wins", corev1.Event{ObjectMeta: created, Series: &corev1.EventSeries{LastObservedTime: micro(3 * time.Minute)}, LastTimestamp: at(time.Minute), EventTime: micro(2 * time.Minute)}, t0.Add(3 * time.Minute)},
		{"then last timestamp", corev1.Event{ObjectMeta: created, LastTimestamp: at(time.Minute), EventTime: micro(2 * time.Minute)}, t0.Add(time.Minute)},
		{"then event time", corev1.Event{ObjectMeta: created, EventTime: micro(2 * time.Minute)}, t0.Add(2 * time.Minute)},
		{"then creation", corev1.Event{ObjectMeta: created}, t0},
		{"empty series", corev1.Event{ObjectMeta: created, Series: &corev1.EventSeries{}, LastTimestamp: at(time.Minute)}, t0.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := eventTime(tt.e); !got.Equal(tt.want) {
				t.Errorf("eventTime = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCanonicalKind(t *testing.T) {
	tests := map[string]string{
		"po": "Pod", "pods": "Pod", "Pod": "Pod", "deploy": "Deployment", "Deployments": "Deployment",
		"rs": "ReplicaSet", "svc": "Service", "no": "Node", "pvc": "PersistentVolumeClaim",
		"sts": "StatefulSet", "ds": "DaemonSet", "jobs": "Job", "cronJob": "CronJob", "": "",
	}
	for in, want := range tests {
		if got := canonicalKind(in); got != want {
			t.Errorf("canonicalKind(%q) = %q, want %q", in, got, want)
		}
	}
}
