package tokens

import (
	"strings"
	"testing"
)

func TestCountMatchesO200kBase(t *testing.T) {
	c := New()
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"hello world", 2},
		{"kubectl get pods -n shop", 7}, // kub|ectl| get| pods| -|n| shop,
	}
	for _, tt := range tests {
		if got := c.Count(tt.in); got != tt.want {
			t.Errorf("Count(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestTruncateKeepsWithinBudgetAtALineBreak(t *testing.T) {
	c := New()
	var b strings.Builder
	for i := 0; i < 500; i++ {
		b.WriteString("pod-abc-123   0/1   CrashLoopBackOff   7   10m\n")
	}
	s := b.String()
	out, cut := c.Truncate(s, 300)
	if !cut {
		t.Fatal("a 500-line table fits in 300 tokens?")
	}
	if n := c.Count(out); n > 300 {
		t.Errorf("truncated text has %d tokens, want ≤ 300", n)
	}
	if !strings.HasSuffix(out, "\n") || !strings.HasPrefix(s, out) {
		t.Errorf("truncation should be a prefix ending at a line break: %q", out[len(out)-20:])
	}
	if same, cut := c.Truncate("short", 300); cut || same != "short" {
		t.Errorf("Truncate(short) = %q, %v", same, cut)
	}
}

func BenchmarkCount4KB(b *testing.B) {
	c := New()
	s := strings.Repeat("Name: crashloop-app-84864b69f8-wmr64\nStatus: Running\nRestart Count: 7\n", 60)
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Count(s)
	}
}

func BenchmarkNewAndFirstCount(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		New().Count("warm up the vocabulary")
	}
}
