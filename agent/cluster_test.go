package agent

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"k8s.io/client-go/rest"

	"github.com/kubertnetes/kubertnetes/internal/openaitest"
	"github.com/kubertnetes/kubertnetes/kube"
	"github.com/kubertnetes/kubertnetes/kube/analyze"
)

// fakeCluster is a Cluster whose reads all answer text, for the tests of
// the loop's own behaviour (retries, auth errors, budgets, folding, schema
// checks): they need no cluster. It does not list objects (its nil Source
// panics if an analyzer runs), so those tests never run the analyzers.
type fakeCluster struct {
	analyze.Source
	text string
}

var _ Cluster = (*fakeCluster)(nil)

func (f *fakeCluster) Get(context.Context, kube.GetRequest) (string, error) { return f.text, nil }
func (f *fakeCluster) Describe(context.Context, string, string, string) (string, error) {
	return f.text, nil
}
func (f *fakeCluster) Events(context.Context, kube.EventsRequest) (string, error) { return f.text, nil }
func (f *fakeCluster) Command(context.Context, string) (string, error)            { return f.text, nil }
func (f *fakeCluster) Redactor() kube.Redactor                                    { return kube.Redactor{} }

// unreachableReader is a real Reader of a cluster that does not exist: for
// calls it must refuse before reaching any cluster.
func unreachableReader(t *testing.T) *kube.Reader {
	t.Helper()
	r, err := kube.NewReader(&rest.Config{Host: "https://127.0.0.1:1"}, kube.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Canned answers shaped like the demo app's.
const (
	demoDeployments = `NAME            READY   UP-TO-DATE   AVAILABLE   AGE
backend         1/1     1            1           3m
crashloop-app   0/1     1            0           3m
faulty-app      1/1     1            1           3m
`
	demoEvents = `LAST SEEN   TYPE      REASON    OBJECT                              COUNT   MESSAGE
10s         Warning   BackOff   pod/crashloop-app-6d5f8b7c9d-x2x4q   7       Back-off restarting failed container crashloop-app
`
)

// apiResources is a long answer, like kubectl api-resources.
var apiResources = func() string {
	var b strings.Builder
	b.WriteString("NAME   SHORTNAMES   APIVERSION   NAMESPACED   KIND\n")
	for i := range 80 {
		fmt.Fprintf(&b, "widgets%02d   w%02d   example.com/v1   true   Widget%02d\n", i, i, i)
	}
	return b.String()
}()

// describeDeployment is a long describe answer (~2,000 tokens).
var describeDeployment = func() string {
	var b strings.Builder
	b.WriteString("Name:                   crashloop-app\nNamespace:              shop\nReplicas:               1 desired | 1 updated | 1 total | 0 available | 1 unavailable\n")
	for i := range 60 {
		fmt.Fprintf(&b, "  Normal  ScalingReplicaSet  %dm  deployment-controller  Scaled up replica set crashloop-app-%04x to 1\n", i, i*7919)
	}
	return b.String()
}()

// panickyCluster panics on get, as a reader might on a hostile object.
type panickyCluster struct{ fakeCluster }

func (*panickyCluster) Get(context.Context, kube.GetRequest) (string, error) {
	panic("nil map in a hostile object with password=hunter2")
}

func TestAToolThatPanicsFailsThatCallNotTheProcess(t *testing.T) {
	llm := openaitest.New(t)
	llm.Script(
		openaitest.Calls(openaitest.Call("get", `{"resource":"pods","namespace":"shop"}`), openaitest.Call("describe", `{"resource":"pod","namespace":"shop","name":"web"}`)),
		openaitest.Text("The get tool failed; describe worked."),
	)
	c := &panickyCluster{fakeCluster{text: "Name: web"}}
	rec := &recorder{}
	core, logs := observer.New(zap.ErrorLevel)
	if err := newTestLoop(t, llm, c, nil, LoopOptions{Log: zap.New(core)}).Ask(t.Context(), &Conversation{}, "what is wrong in shop?", rec.emit); err != nil {
		t.Fatal(err)
	}
	results := llm.Requests()[1].ToolResults()
	if len(results) != 2 || !strings.Contains(results[0].Content, "the get tool failed unexpectedly") || !strings.Contains(results[1].Content, "Name: web") {
		t.Errorf("tool results = %+v, want get's failure and describe's output", results)
	}
	if strings.Contains(results[0].Content, "hunter2") {
		t.Errorf("the panic's secret reached the model: %s", results[0].Content)
	}
	if e := logs.All(); len(e) != 1 || !strings.Contains(e[0].ContextMap()["stack"].(string), "panickyCluster") || strings.Contains(e[0].ContextMap()["panic"].(string), "hunter2") {
		t.Errorf("the panic was not logged with its stack, redacted: %+v", e)
	}
	if got := rec.answer(t).Text; got != "The get tool failed; describe worked." {
		t.Errorf("answer = %q", got)
	}
}
