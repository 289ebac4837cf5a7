package fixer

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/kube"
)

// readOnlyRBAC is the read-only role the tools' identity gets: get, list
// and watch on everything, nothing else.
const readOnlyRBAC = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: %[1]s
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: %[1]s
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %[1]s}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: %[1]s}
`

// The read-only identity the tools use can never write: with it, a Reader
// reads, and a Fixer can neither dry-run a fix nor apply an approved one.
func TestReadOnlyIdentityCannotWrite(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	user := "reader-" + ns
	plane.Apply(t, ns, fmt.Appendf(nil, readOnlyRBAC, user))
	ro := plane.User(t, user)

	r, err := kube.NewReader(ro, kube.ReaderOptions{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Get(t.Context(), kube.GetRequest{Resource: "deployments", Namespace: ns, Name: "crashloop-app"})
	if err != nil || !strings.Contains(out, "crashloop-app") {
		t.Fatalf("the read-only identity cannot read (so this test proves nothing): %v\n%s", err, out)
	}

	roFixer, err := New(ro, Options{Hidden: simulator})
	if err != nil {
		t.Fatal(err)
	}
	before := deployment(t, cs, ns, "crashloop-app")

	// Even the dry run needs the patch verb.
	if _, err := roFixer.Preview(t.Context(), setPort(ns, "8080")); !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), `User "`+user+`" cannot patch resource "deployments"`) {
		t.Fatalf("preview with the read-only identity: %v, want ErrForbidden naming the user", err)
	}
	// An approved preview (made by the admin) cannot be applied with it.
	p, err := newFixer(t, Policy{}).Preview(t.Context(), setPort(ns, "8080"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = roFixer.Apply(t.Context(), *p, Identity{})
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "nothing was applied") {
		t.Fatalf("apply with the read-only identity: %v, want ErrForbidden", err)
	}
	if after := deployment(t, cs, ns, "crashloop-app"); after.ResourceVersion != before.ResourceVersion || listenPort(t, cs, ns) != "eighty" {
		t.Errorf("the object changed: rv %s → %s, LISTEN_PORT %s", before.ResourceVersion, after.ResourceVersion, listenPort(t, cs, ns))
	}
	// Deleting a pod and creating an object are refused the same way.
	pod := plane.WaitPods(t, ns, "app=backend", 1, kubetest.PodReady)[0]
	if _, err := roFixer.Preview(t.Context(), kube.Fix{Target: kube.Target{Kind: "pod", Namespace: ns, Name: pod.Name}, Operation: kube.OpDeletePod, Rationale: "r"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("delete-pod preview with the read-only identity: %v, want ErrForbidden", err)
	}
}

// Applying as the approver: the cluster's RBAC decides. An approver
// without rights gets a clear refusal and nothing changes; one whose
// group may edit the namespace applies it.
func TestApplyAsApprover(t *testing.T) {
	t.Parallel()
	ns := plane.Namespace(t)
	plane.LoadDemo(t, ns)
	cs := plane.Clientset(t)
	plane.Apply(t, ns, []byte(`
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: oncall-edit
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: oncall}
`))
	f := newFixer(t, Policy{}) // the admin holds impersonate (system:masters)
	p, err := f.Preview(t.Context(), setPort(ns, "8080"))
	if err != nil {
		t.Fatal(err)
	}
	before := deployment(t, cs, ns, "crashloop-app")

	for _, as := range []Identity{{User: "alice@example.com", Groups: []string{"sre"}}, {User: "bob"}} {
		_, err = f.Apply(t.Context(), *p, as)
		if !errors.Is(err, ErrForbidden) {
			t.Fatalf("apply as %s: %v, want ErrForbidden", as, err)
		}
		for _, want := range []string{"as " + as.String(), "RBAC refused it, nothing was applied", `User "` + as.User + `" cannot patch resource "deployments"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
	}
	if after := deployment(t, cs, ns, "crashloop-app"); after.ResourceVersion != before.ResourceVersion {
		t.Fatalf("a refused approver changed the object (rv %s → %s)", before.ResourceVersion, after.ResourceVersion)
	}

	a, err := f.Apply(t.Context(), *p, Identity{User: "bob", Groups: []string{"oncall"}})
	if err != nil {
		t.Fatalf("apply as bob in oncall: %v", err)
	}
	if a.As.User != "bob" || listenPort(t, cs, ns) != "8080" {
		t.Errorf("applied as %s, LISTEN_PORT %s", a.As, listenPort(t, cs, ns))
	}
	if _, err := f.Apply(t.Context(), *p, Identity{Groups: []string{"oncall"}}); err == nil || !strings.Contains(err.Error(), "a user name is required") {
		t.Errorf("groups without a user: %v", err)
	}
}
