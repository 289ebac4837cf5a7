package analyze

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubertnetes/kubertnetes/k3d-cluster/demo"
	"github.com/kubertnetes/kubertnetes/kube"
)

// refIndex has ConfigMaps app-settings (LOG_LEVEL, GREETING) and
// cache-v1, cache-v2, and Secrets db-credentials and regcred, in shop.
var refIndex = configIndex{
	configMaps: map[string]map[string]bool{
		"shop/app-settings": {"LOG_LEVEL": true, "GREETING": true},
		"shop/cache-v1":     {"SIZE": true},
		"shop/cache-v2":     {"SIZE": true},
		"other/app-setting": {"LOG_LEVEL": true}, // another namespace's does not count
	},
	secrets: map[string]bool{"shop/db-credentials": true, "shop/regcred": true},
}

func cmKeyEnv(name, cm, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: cm}, Key: key}}}
}

func deploymentTemplate(spec corev1.PodSpec) podTemplate {
	ref := kube.ObjectRef{Kind: "Deployment", Namespace: "shop", Name: "web"}
	self := ref
	return podTemplate{Object: ref, Owner: &self, Path: "/spec/template/spec", Spec: &spec}
}

func TestCheckConfigRefs(t *testing.T) {
	optional := true
	tests := []struct {
		name string
		tmpl podTemplate
		// want: "Reason severity" per finding, then the proposal's JSON patch ("" none).
		want  []string
		patch string
	}{
		{"envFrom a near miss: one unambiguous name", deploymentTemplate(corev1.PodSpec{Containers: []corev1.Container{{Name: "app", EnvFrom: []corev1.EnvFromSource{
			{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app-setting"}}}}}}}),
			[]string{"ConfigMapNotFound critical"},
			`[{"op":"test","path":"/spec/template/spec/containers/0/envFrom/0/configMapRef/name","value":"app-setting"},{"op":"replace","path":"/spec/template/spec/containers/0/envFrom/0/configMapRef/name","value":"app-settings"}]`},
		{"two equally close names: no proposal", deploymentTemplate(corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{cmKeyEnv("SIZE", "cache-v3", "SIZE")}}}}),
			[]string{"ConfigMapNotFound critical"}, ""},
		{"every place naming it, in one finding and one patch", deploymentTemplate(corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", Env: []corev1.EnvVar{cmKeyEnv("L", "app-setting", "LOG_LEVEL")}}},
			Volumes:        []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app-setting"}}}}},
			Containers:     []corev1.Container{{Name: "app"}}}),
			[]string{"ConfigMapNotFound critical"},
			`[{"op":"test","path":"/spec/template/spec/initContainers/0/env/0/valueFrom/configMapKeyRef/name","value":"app-setting"},{"op":"replace","path":"/spec/template/spec/initContainers/0/env/0/valueFrom/configMapKeyRef/name","value":"app-settings"},{"op":"test","path":"/spec/template/spec/volumes/0/configMap/name","value":"app-setting"},{"op":"replace","path":"/spec/template/spec/volumes/0/configMap/name","value":"app-settings"}]`},
		{"a missing key with a near miss", deploymentTemplate(corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{cmKeyEnv("LOG_LEVEL", "app-settings", "LOG_LEVL"), cmKeyEnv("G", "app-settings", "GREETING")}}}}),
			[]string{"ConfigMapKeyNotFound critical"},
			`[{"op":"test","path":"/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/key","value":"LOG_LEVL"},{"op":"replace","path":"/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/key","value":"LOG_LEVEL"}]`},
		{"a missing key of a volume's items, nothing close", deploymentTemplate(corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}, Volumes: []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "app-settings"}, Items: []corev1.KeyToPath{{Key: "nginx.conf", Path: "nginx.conf"}}}}}}}),
			[]string{"ConfigMapKeyNotFound critical"}, ""},
		{"a Secret, by name only", deploymentTemplate(corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db-credential"}, Key: "password"}}}}}}}),
			[]string{"SecretNotFound critical"},
			`[{"op":"test","path":"/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name","value":"db-credential"},{"op":"replace","path":"/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name","value":"db-credentials"}]`},
		{"a projected Secret and a missing pull secret", deploymentTemplate(corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}},
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: "ghcr-pull"}},
			Volumes: []corev1.Volume{{Name: "all", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "tls-cert"}}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "app-settings"}, Items: []corev1.KeyToPath{{Key: "GREETING", Path: "g"}}}},
			}}}}}}),
			[]string{"SecretNotFound critical", "SecretNotFound warning"}, ""},
		{"optional references may be missing", deploymentTemplate(corev1.PodSpec{Containers: []corev1.Container{{Name: "app",
			EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "extra"}, Optional: &optional}}},
			Env:     []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Key: "x", Optional: &optional}}}}}},
			Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Optional: &optional}}}}}),
			nil, ""},
		{"everything exists", deploymentTemplate(corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{cmKeyEnv("L", "app-settings", "LOG_LEVEL")},
			EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "db-credentials"}}}}}},
			ImagePullSecrets: []corev1.LocalObjectReference{{Name: "regcred"}}}),
			nil, ""},
		{"a Job's template is immutable: no proposal", podTemplate{Object: kube.ObjectRef{Kind: "Job", Namespace: "shop", Name: "migrate"}, Owner: &kube.ObjectRef{Kind: "Job", Namespace: "shop", Name: "migrate"}, Path: "/spec/template/spec",
			Spec: &corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{cmKeyEnv("L", "app-setting", "LOG_LEVEL")}}}}},
			[]string{"ConfigMapNotFound critical"}, ""},
		{"a bare pod: reported, nothing to patch", podTemplate{Object: kube.ObjectRef{Kind: "Pod", Namespace: "shop", Name: "debug"}, Path: "/spec",
			Spec: &corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{cmKeyEnv("L", "app-setting", "LOG_LEVEL")}}}}},
			[]string{"ConfigMapNotFound critical"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := checkConfigRefs(tt.tmpl, refIndex)
			var got []string
			for _, f := range fs {
				got = append(got, f.Reason+" "+f.Severity.String())
				if f.Object != tt.tmpl.Object || f.Docs == "" || f.Fix == "" || len(f.Evidence) == 0 {
					t.Errorf("finding %+v lacks its object, docs, fix or evidence", f)
				}
				unredacted(t, f)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("findings (-want +got):\n%s", diff)
			}
			var patch string
			for _, f := range fs {
				if f.Proposal != nil {
					if err := f.Proposal.Validate(); err != nil {
						t.Errorf("invalid proposal: %v", err)
					}
					if f.Proposal.Operation != kube.OpJSONPatch || f.Proposal.Target != (kube.Target{Kind: tt.tmpl.Object.Kind, Namespace: "shop", Name: tt.tmpl.Object.Name}) {
						t.Errorf("proposal %s on %v", f.Proposal.Operation, f.Proposal.Target)
					}
					patch = string(f.Proposal.Patch)
				}
			}
			if patch != tt.patch {
				t.Errorf("patch:\n%s\nwant:\n%s", patch, tt.patch)
			}
		})
	}
}

func TestConfigRefEvidenceNamesEveryPlace(t *testing.T) {
	tmpl := deploymentTemplate(corev1.PodSpec{
		Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{cmKeyEnv("L", "app-setting", "LOG_LEVEL")}}},
		Volumes: []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app-setting"},
			Items: []corev1.KeyToPath{{Key: "LOG_LEVEL", Path: "level"}, {Key: "GREETING", Path: "greeting"}}}}}},
	})
	fs := checkConfigRefs(tmpl, refIndex)
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	want := []string{
		`env L of container app names ConfigMap "app-setting"`,
		`volume cfg names ConfigMap "app-setting"`,
		`near miss: ConfigMap "app-settings" exists`,
	}
	if diff := cmp.Diff(want, fs[0].Evidence); diff != "" {
		t.Errorf("evidence (-want +got):\n%s", diff)
	}
	if !strings.Contains(fs[0].Message, `Deployment web references ConfigMap "app-setting", which does not exist in namespace shop`) {
		t.Errorf("message %q", fs[0].Message)
	}
	var ops []map[string]string
	if err := json.Unmarshal(fs[0].Proposal.Patch, &ops); err != nil || len(ops) != 4 {
		t.Errorf("patch %s: want a test and a replace for each of the 2 places", fs[0].Proposal.Patch)
	}
}

func TestNearMiss(t *testing.T) {
	tests := []struct {
		name     string
		existing []string
		want     string
	}{
		{"app-setting", []string{"app-settings", "kube-root-ca.crt"}, "app-settings"},
		{"LOG_LEVL", []string{"LOG_LEVEL", "QUEUE"}, "LOG_LEVEL"},
		{"cache-v3", []string{"cache-v1", "cache-v2"}, ""}, // ambiguous
		{"db", []string{"dc", "web"}, ""},                  // too short to call a typo
		{"redis", []string{"postgres"}, ""},
		{"api-svc", []string{"api-service"}, "api-service"}, // an abbreviation
		{"frontent", []string{"frontend", "backend"}, "frontend"},
	}
	for _, tt := range tests {
		if got := nearMiss(tt.name, tt.existing); got != tt.want {
			t.Errorf("nearMiss(%q, %q) = %q, want %q", tt.name, tt.existing, got, tt.want)
		}
	}
}

// unredacted fails when the redactor would mask part of a finding's own
// words (a "key: value" phrasing it takes for a credential, say).
func unredacted(t *testing.T, f kube.Finding) {
	t.Helper()
	if diff := cmp.Diff(f, kube.Redactor{}.Finding(f)); diff != "" {
		t.Errorf("redaction changes the finding (-before +after):\n%s", diff)
	}
}

// TestReferenceProposalsPreview checks on the real API server that the
// near-miss proposals of the reference analyzers are patches it accepts
// and that they change exactly the wrong name.
func TestReferenceProposalsPreview(t *testing.T) {
	scenarios, err := demo.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	fx := newFixer(t)
	r := newReader(t)
	tests := []struct {
		scenario, reason, from, to string
	}{
		{"configmap-missing", "ConfigMapNotFound", "name: app-setting", "name: app-settings"},
		{"configmap-key-missing", "ConfigMapKeyNotFound", "key: LOG_LEVL", "key: LOG_LEVEL"},
		{"secret-missing", "SecretNotFound", "name: db-credential", "name: db-credentials"},
		{"hpa-target-missing", "HPATargetNotFound", "name: frontent", "name: frontend"},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			t.Parallel()
			i := slices.IndexFunc(scenarios, func(s demo.Scenario) bool { return s.Name == tt.scenario })
			if i < 0 {
				t.Fatalf("no scenario %s", tt.scenario)
			}
			objs, err := demo.SplitYAML(scenarios[i].Manifests)
			if err != nil {
				t.Fatal(err)
			}
			ns := plane.Namespace(t)
			plane.CreateObjects(t, ns, objs)
			fs, err := Run(t.Context(), r, Scope{Namespace: ns})
			if err != nil {
				t.Fatal(err)
			}
			var f *kube.Finding
			for i := range fs {
				if fs[i].Reason == tt.reason {
					f = &fs[i]
				}
			}
			if f == nil || f.Proposal == nil {
				t.Fatalf("no %s finding with a proposal in %+v", tt.reason, fs)
			}
			pv, err := fx.Preview(t.Context(), *f.Proposal)
			if err != nil {
				t.Fatalf("the proposal does not preview: %v", err)
			}
			var minus, plus []string
			for _, l := range strings.Split(pv.Diff, "\n") {
				switch {
				case strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---"):
					minus = append(minus, strings.TrimSpace(l[1:]))
				case strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++"):
					plus = append(plus, strings.TrimSpace(l[1:]))
				}
			}
			if !slices.Contains(minus, tt.from) || !slices.Contains(plus, tt.to) || len(minus) != 1 || len(plus) != 1 {
				t.Errorf("diff changes more or other than %q → %q:\n%s", tt.from, tt.to, pv.Diff)
			}
		})
	}
}
