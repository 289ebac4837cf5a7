package manifest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubertnetes/kubertnetes/internal/kubetest"
	"github.com/kubertnetes/kubertnetes/internal/manifest"
)

var plane *kubetest.Plane

func TestMain(m *testing.M) { kubetest.Main(m, &plane) }

func decode(t *testing.T, src string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := manifest.Decode([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func newApplier(t *testing.T, opts manifest.Options) *manifest.Applier {
	t.Helper()
	a, err := manifest.NewApplier(plane.Config(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A manifest of namespaced and cluster-scoped objects lands as `kubectl
// create -n NS -f` puts it, and the cluster-scoped ones can be told apart
// and deleted.
func TestCreatePutsNamespacedObjectsIntoTheNamespace(t *testing.T) {
	ns := plane.Namespace(t)
	objs := decode(t, fmt.Sprintf(`
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: test}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader-%s}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: v1
kind: Secret
metadata: {generateName: token-}
`, ns))
	a := newApplier(t, manifest.Options{FieldManager: "manifest-test"})
	created, err := a.Create(t.Context(), ns, objs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range created {
		got = append(got, o.GetKind()+" "+o.GetNamespace())
	}
	if want := []string{"ConfigMap " + ns, "ClusterRole ", "Secret " + ns}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("created %q, want %q", got, want)
	}
	if objs[0].GetNamespace() != "" {
		t.Errorf("Create set the namespace on the caller's object")
	}
	if name := created[2].GetName(); !strings.HasPrefix(name, "token-") || name == "token-" {
		t.Errorf("generated name %q", name)
	}
	cs := plane.Clientset(t)
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), "settings", metav1.GetOptions{})
	if err != nil || cm.Data["mode"] != "test" || cm.ManagedFields[0].Manager != "manifest-test" {
		t.Errorf("ConfigMap settings: %v, %+v", err, cm)
	}

	for range 2 { // deleting what is gone is no error
		if err := a.Delete(t.Context(), created[1]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.RbacV1().ClusterRoles().Get(t.Context(), "reader-"+ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ClusterRole after Delete: %v, want NotFound", err)
	}
}

func TestCreateOptionsAndRefusals(t *testing.T) {
	ns := plane.Namespace(t)
	configMap := func(name, value, extra string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: {v: %s}\n%s", name, value, extra)
	}
	// The cases run in order, on one namespace.
	tests := []struct {
		name      string
		opts      manifest.Options
		namespace string
		src       string
		err       string // "" for success
		stored    string // ConfigMap cm's data.v afterwards, "" for none
	}{
		{name: "another namespace", namespace: ns, src: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: elsewhere}\n",
			err: `names namespace "elsewhere", want "` + ns + `" or none`},
		{name: "cluster-scoped with a namespace", namespace: ns, src: "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, namespace: " + ns + "}\n",
			err: "Namespace x is cluster-scoped but names namespace"},
		{name: "no namespace anywhere", src: configMap("cm", "first", ""), err: "names no namespace, and none was given"},
		{name: "the object's own namespace", src: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: " + ns + "}\ndata: {v: first}\n", stored: "first"},
		{name: "already exists", namespace: ns, src: configMap("cm", "second", ""), err: "already exists", stored: "first"},
		{name: "already exists, ignored", opts: manifest.Options{IgnoreExisting: true}, namespace: ns, src: configMap("cm", "second", ""), stored: "first"},
		{name: "unknown field, strict", opts: manifest.Options{StrictFields: true}, namespace: ns, src: configMap("strict", "x", "colour: red\n"), err: `unknown field "colour"`, stored: "first"},
		{name: "dry run stores nothing", opts: manifest.Options{DryRun: true}, namespace: ns, src: configMap("dry", "x", ""), stored: "first"},
		{name: "unknown kind", namespace: ns, src: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", err: `Widget w: no matches for kind "Widget"`, stored: "first"},
	}
	cs := plane.Clientset(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newApplier(t, tt.opts).Create(t.Context(), tt.namespace, decode(t, tt.src))
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("Create: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("Create error = %v, want one containing %q", err, tt.err)
			}
			stored := ""
			if cm, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), "cm", metav1.GetOptions{}); err == nil {
				stored = cm.Data["v"]
			} else if !apierrors.IsNotFound(err) {
				t.Fatal(err)
			}
			if stored != tt.stored {
				t.Errorf("ConfigMap cm holds %q, want %q", stored, tt.stored)
			}
		})
	}
	for _, name := range []string{"strict", "dry"} {
		if _, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("ConfigMap %s: %v, want NotFound (strict refused it, dry run stored nothing)", name, err)
		}
	}
}

// A CustomResourceDefinition and a resource of its kind in one manifest:
// the kind is waited for until the API serves it.
func TestCreateWaitsForANewKind(t *testing.T) {
	ns := plane.Namespace(t)
	group := strings.ReplaceAll(ns, "-", "") + ".example.com"
	objs := decode(t, fmt.Sprintf(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.%[1]s}
spec:
  group: %[1]s
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: %[1]s/v1
kind: Widget
metadata: {name: w}
size: 3
`, group))
	a := newApplier(t, manifest.Options{KindWait: 30 * time.Second})
	created, err := a.Create(t.Context(), ns, objs)
	for _, o := range created {
		if o.GetNamespace() == "" {
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := a.Delete(ctx, o); err != nil {
					t.Error(err)
				}
			})
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 2 || created[1].GetNamespace() != ns || created[1].Object["size"] != int64(3) {
		t.Errorf("created %v", created)
	}
}
