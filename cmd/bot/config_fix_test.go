package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubertnetes/kubertnetes/kube/fixer"
)

func TestParseImpersonate(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]fixer.Identity
		err  string
	}{
		{"", nil, ""},
		{"U123ABC=alice@example.com:sre,oncall;U456DEF=bob", map[string]fixer.Identity{
			"U123ABC": {User: "alice@example.com", Groups: []string{"sre", "oncall"}}, "U456DEF": {User: "bob"}}, ""},
		{" U123ABC = alice : sre ; ", map[string]fixer.Identity{"U123ABC": {User: "alice", Groups: []string{"sre"}}}, ""},
		{"W0ENTERPRISE=system:serviceaccount", map[string]fixer.Identity{"W0ENTERPRISE": {User: "system", Groups: []string{"serviceaccount"}}}, ""},
		{"alice=U123ABC", nil, `entry "alice=U123ABC" does not start with a Slack user id`},
		{"S0GROUP=alice", nil, "does not start with a Slack user id"},
		{"U123ABC", nil, `entry "U123ABC" has no =`},
		{"U123ABC=", nil, "has no valid Kubernetes user name"},
		{"U123ABC=alice:sre,,oncall", nil, "has an empty or invalid group name"},
		{"U123ABC=alice;U123ABC=bob", nil, "maps a Slack user a second time"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseImpersonate(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "KUBERTNETES_IMPERSONATE") {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("identities (-want +got):\n%s", d)
			}
		})
	}
}

func TestFixSettings(t *testing.T) {
	c, err := loadConfig(env(map[string]string{
		"KUBERTNETES_IMPERSONATE":          "U123ABC=alice:sre",
		"KUBERTNETES_FIX_ALLOW_NAMESPACES": "kube-system,tools",
		"KUBERTNETES_FIX_ALLOW_KINDS":      "Role,role.rbac.authorization.k8s.io",
		"KUBERTNETES_FIX_ALLOW_CHANGES":    "Image-Registry, exposure@web,privilege@kube-system",
		"KUBERTNETES_VERIFY_TIMEOUT":       "45s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := fixer.Policy{AllowNamespaces: []string{"kube-system", "tools"}, AllowKinds: []string{"Role", "role.rbac.authorization.k8s.io"},
		AllowChanges: []string{"image-registry", "exposure@web", "privilege@kube-system"}}
	if d := cmp.Diff(want, c.fixPolicy()); d != "" {
		t.Errorf("policy (-want +got):\n%s", d)
	}
	if c.verifyOptions().Timeout != 45*time.Second || c.impersonate["U123ABC"].User != "alice" {
		t.Errorf("verify %v, impersonate %v", c.verifyOptions(), c.impersonate)
	}

	if c, err = loadConfig(env(nil)); err != nil || c.VerifyTimeout != 2*time.Minute || c.impersonate != nil {
		t.Errorf("defaults: %v, timeout %s, impersonate %v", err, c.VerifyTimeout, c.impersonate)
	}

	for key, want := range map[string]string{
		"KUBERTNETES_IMPERSONATE":          "KUBERTNETES_IMPERSONATE entry",
		"KUBERTNETES_FIX_ALLOW_NAMESPACES": `KUBERTNETES_FIX_ALLOW_NAMESPACES has "Kube_System"`,
		"KUBERTNETES_FIX_ALLOW_KINDS":      `KUBERTNETES_FIX_ALLOW_KINDS has "roles/admin"`,
		"KUBERTNETES_FIX_ALLOW_CHANGES":    `KUBERTNETES_FIX_ALLOW_CHANGES has "root" is not a rule; the rules are privilege, identity, exposure, image-registry, create`,
		"KUBERTNETES_VERIFY_TIMEOUT":       "KUBERTNETES_VERIFY_TIMEOUT=1s is out of range",
	} {
		bad := map[string]string{"KUBERTNETES_IMPERSONATE": "alice", "KUBERTNETES_FIX_ALLOW_NAMESPACES": "Kube_System",
			"KUBERTNETES_FIX_ALLOW_KINDS": "roles/admin", "KUBERTNETES_FIX_ALLOW_CHANGES": "exposure@web,root@shop", "KUBERTNETES_VERIFY_TIMEOUT": "1s"}[key]
		t.Run(key, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), nil, env(map[string]string{key: bad}), stdio{in: strings.NewReader(""), out: &out, err: &out})
			var msg bytes.Buffer
			if code := exitCode(err, &msg); code != 2 || !strings.Contains(msg.String(), want) {
				t.Errorf("exit %d, message %q; want 2 and %q", code, msg.String(), want)
			}
		})
	}
}
