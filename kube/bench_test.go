package kube

import (
	"strings"
	"testing"
)

// describeText is ~4 KB of kubectl describe output with a few secrets in it.
var describeText = func() string {
	var b strings.Builder
	b.WriteString("Name:             api-7d9f-x2x\nNamespace:        shop\nNode:             node-1/10.0.0.7\n")
	b.WriteString("Annotations:      kwok.x-k8s.io/crashloop: true\n                  prometheus.io/scrape: true\nStatus:           Running\n")
	for b.Len() < 4000 {
		b.WriteString("Containers:\n  api:\n    Image:          registry.example/api:1.4\n    State:          Waiting\n      Reason:       CrashLoopBackOff\n")
		b.WriteString("    Environment:\n      LOG_LEVEL:    debug\n      DB_PASSWORD:  hunter2\n      DATABASE_URL: postgres://app:hunter2@db:5432/shop\n")
		b.WriteString("    Mounts:\n      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access (ro)\n")
		b.WriteString("  Warning  BackOff  10s  kubelet  Back-off restarting failed container api in pod api-7d9f-x2x\n")
	}
	return b.String()
}()

func BenchmarkRedactText(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(describeText)))
	for b.Loop() {
		_ = Redactor{HiddenKeys: simulator.KeyPrefixes}.Text(describeText)
	}
}
