package kube

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
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
		nobody, err := NewReader(plane.User(t, "nobody"), ReaderOptions{Hidden: simulator})
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
			if got := EventTime(tt.e); !got.Equal(tt.want) {
				t.Errorf("eventTime = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEventsOfAKindByTheNamesUsersType records an Event against a CronJob,
// an HPA and a ConfigMap of the same name, and finds each by the names
// people and models type for its kind (the involvedObject.kind selector
// needs the exact Kind: "Cronjob" or "Hpa" would find nothing).
func TestEventsOfAKindByTheNamesUsersType(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	cs := plane.Clientset(t)
	ctx := t.Context()
	const name = "report"
	if _, err := cs.BatchV1().CronJobs(ns).Create(ctx, &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.CronJobSpec{Schedule: "0 3 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "report", Image: "registry.example/report:1"}}},
		}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AutoscalingV2().HorizontalPodAutoscalers(ns).Create(ctx, &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: name},
			MaxReplicas:    3,
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	recorded := map[string]bool{}
	for _, o := range []struct{ apiVersion, kind, reason string }{
		{"batch/v1", "CronJob", "MissedSchedule"},
		{"autoscaling/v2", "HorizontalPodAutoscaler", "FailedGetResourceMetric"},
		{"v1", "ConfigMap", "Rotated"},
	} {
		if _, err := cs.CoreV1().Events(ns).Create(ctx, &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{GenerateName: name + "."},
			InvolvedObject: corev1.ObjectReference{APIVersion: o.apiVersion, Kind: o.kind, Namespace: ns, Name: name},
			Type:           corev1.EventTypeWarning, Reason: o.reason, Message: "about the " + o.kind, Count: 1,
			Source:         corev1.EventSource{Component: "test"},
			FirstTimestamp: now, LastTimestamp: now,
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		recorded[o.reason] = true
	}
	r := newReader(t)
	tests := []struct{ kind, object, reason string }{
		{"cronjob", "cronjob/report", "MissedSchedule"},
		{"cj", "cronjob/report", "MissedSchedule"},
		{"CronJob", "cronjob/report", "MissedSchedule"},
		{"hpa", "horizontalpodautoscaler/report", "FailedGetResourceMetric"},
		{"horizontalpodautoscalers", "horizontalpodautoscaler/report", "FailedGetResourceMetric"},
		{"configmap", "configmap/report", "Rotated"},
		{"cm", "configmap/report", "Rotated"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			out, err := r.Events(t.Context(), EventsRequest{Namespace: ns, Kind: tt.kind, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			// Controllers record events of their own (the HPA's
			// FailedGetScale): every row must be about the object of the
			// kind asked for, and of the events recorded here only its own.
			var got []string
			if out != "No events found." {
				_, rows := tableRows(t, out)
				for _, row := range rows {
					if row[3] != tt.object {
						t.Errorf("events of %s list one about %s", tt.kind, row[3])
					}
					if recorded[row[2]] {
						got = append(got, row[2])
					}
				}
			}
			if diff := cmp.Diff([]string{tt.reason}, got); diff != "" {
				t.Errorf("events of %s/%s (-want +got):\n%s\n%s", tt.kind, name, diff, out)
			}
		})
	}
	t.Run("unknown kind", func(t *testing.T) {
		_, err := r.Events(t.Context(), EventsRequest{Namespace: ns, Kind: "cronjobz", Name: name})
		if err == nil || !strings.Contains(err.Error(), `the server doesn't have a resource type "cronjobz"`) {
			t.Errorf("error %v, want the resource type named as unknown", err)
		}
	})
}
