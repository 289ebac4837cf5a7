package deploy_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestImageBinary builds the binary as deploy/Dockerfile does and checks
// what the image relies on: it is static (distroless/static has no C
// library), the version ldflag reaches it, and the shipped ConfigMap plus
// the Secret template pass its configuration checks.
func TestImageBinary(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the binary: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "kubertnetes")
	// The Dockerfile's build command, run from the repository root.
	build := exec.CommandContext(t.Context(), goBin, "build", "-trimpath", "-ldflags", "-s -w -X main.version=v9.9.9-test", "-o", bin, "./cmd/bot")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/bot: %v\n%s", err, out)
	}

	t.Run("static", func(t *testing.T) {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the binary asks for a dynamic loader; distroless/static has none (build with CGO_ENABLED=0)")
			}
		}
	})

	// The Deployment's env, the ConfigMap and the Secret template are the
	// whole environment of the container. `version` validates the
	// configuration first.
	base := render(t, "base")
	env := []string{"HOME=/home/nonroot"}
	var cm corev1.ConfigMap
	fromUnstructured(t, find(t, base, "ConfigMap", "kubertnetes-config"), &cm)
	for k, v := range cm.Data {
		env = append(env, k+"="+v)
	}
	var secret corev1.Secret
	fromUnstructured(t, secretTemplate(t), &secret)
	for k, v := range secret.StringData {
		env = append(env, k+"="+v)
	}
	// Last: the container's env overrides envFrom, as the last entry wins here.
	var dep appsv1.Deployment
	fromUnstructured(t, find(t, base, "Deployment", "kubertnetes"), &dep)
	for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
		env = append(env, e.Name+"="+e.Value)
	}

	t.Run("version and configuration", func(t *testing.T) {
		cmd := exec.CommandContext(t.Context(), bin, "version")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kubertnetes version with the shipped configuration: %v\n%s", err, out)
		}
		if got, want := strings.TrimSpace(string(out)), "kubertnetes v9.9.9-test"; got != want {
			t.Errorf("version printed %q, want %q", got, want)
		}
	})
}
