package kube

import (
	"fmt"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Namespaces and names come from a model or a user and end up in request
// paths. client-go escapes what it builds itself, but a path built by hand
// (metrics, /version) does not, and nothing rejects a NUL or a 300-byte
// name before it costs a request. Every Reader method that takes one
// checks it first, so "../../api/v1/secrets" never reaches a path.

// validNamespace accepts "" (all namespaces, or the default where the
// caller picks one) and DNS-1123 labels, which every namespace name is.
func validNamespace(ns string) error {
	if ns == "" {
		return nil
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return fmt.Errorf("namespace %q is not a valid namespace name: %s", trimName(ns), strings.Join(errs, "; "))
	}
	return nil
}

// validName accepts "" (no name given) and object names: DNS-1123
// subdomains, and the names the API server takes for kinds that allow more
// (RBAC's "system:node"): a path segment of at most 253 printable
// characters other than space, "/" and "%", and not "." or "..".
func validName(name string) error {
	if name == "" || len(validation.IsDNS1123Subdomain(name)) == 0 {
		return nil
	}
	errs := content.IsPathSegmentName(name)
	if len(name) > validation.DNS1123SubdomainMaxLength {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", validation.DNS1123SubdomainMaxLength))
	}
	if strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0 {
		errs = append(errs, "may not contain spaces or control characters")
	}
	if len(errs) > 0 {
		return fmt.Errorf("name %q is not a valid object name: %s", trimName(name), strings.Join(errs, "; "))
	}
	return nil
}

// validRef checks a namespace and a name together.
func validRef(ns, name string) error {
	if err := validNamespace(ns); err != nil {
		return err
	}
	return validName(name)
}

// trimName keeps an error about a huge name short.
func trimName(s string) string {
	if len(s) > 80 {
		return s[:60] + "…"
	}
	return s
}
