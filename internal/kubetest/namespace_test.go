package kubetest

import (
	"regexp"
	"strings"
	"testing"
)

func TestNamespaceName(t *testing.T) {
	long := "TestSomething/" + strings.Repeat("very_long_subtest_name_", 5)
	tests := []struct {
		testName string
		want     string
	}{
		{"TestApply", "testapply-abcde"},
		{"TestApply/member_of_readers", "testapply-member-of-readers-abcde"},
		{"Test__Weird//Name--", "test-weird-name-abcde"},
		{"Ünïcode/Ω", "n-code-abcde"},
		{"///", "test-abcde"},
		{long, "testsomething-very-long-subtest-name-very-long-subtest-na-abcde"},
	}
	label := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	for _, tt := range tests {
		t.Run(tt.testName, func(t *testing.T) {
			got := namespaceName(tt.testName, "abcde")
			if got != tt.want {
				t.Errorf("namespaceName(%q) = %q, want %q", tt.testName, got, tt.want)
			}
			if len(got) > 63 || !label.MatchString(got) {
				t.Errorf("namespaceName(%q) = %q is not a DNS label", tt.testName, got)
			}
		})
	}
}
