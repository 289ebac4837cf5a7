package kube

import (
	"context"
	"fmt"
	"strings"

	authv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// subresources are the names after a slash that are not object names.
var subresources = map[string]bool{"log": true, "status": true, "exec": true, "scale": true, "portforward": true, "proxy": true, "attach": true, "eviction": true, "binding": true, "ephemeralcontainers": true}

// CanI asks the API server whether kubertnetes' own identity may do
// something (a SelfSubjectAccessReview), so "forbidden" can be told apart
// from "absent". resource may be "pods", "deploy/web" or "pods/log".
func (r *Reader) CanI(ctx context.Context, verb, resource, namespace string) (string, error) {
	if err := validNamespace(namespace); err != nil {
		return "", err
	}
	if verb == "" || resource == "" {
		return "", fmt.Errorf("auth can-i needs a verb and a resource, e.g. list pods")
	}
	base, rest, _ := strings.Cut(resource, "/")
	sub, name := "", ""
	if subresources[rest] {
		sub = rest
	} else {
		name = rest
	}
	m, err := r.mapping(base)
	if err != nil {
		return "", err
	}
	attrs := &authv1.ResourceAttributes{Verb: verb, Group: m.Resource.Group, Resource: m.Resource.Resource, Subresource: sub, Name: name}
	if m.Scope.Name() == "namespace" {
		attrs.Namespace = namespace
	}
	review, err := r.core.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authv1.SelfSubjectAccessReview{
		Spec: authv1.SelfSubjectAccessReviewSpec{ResourceAttributes: attrs},
	}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("auth can-i %s %s: %w", verb, resource, err)
	}
	what := fmt.Sprintf("%s %s", verb, m.Resource.Resource)
	if sub != "" {
		what += "/" + sub
	}
	if name != "" {
		what += " " + name
	}
	if attrs.Namespace != "" {
		what += " in namespace " + attrs.Namespace
	}
	if review.Status.Allowed {
		return "yes: kubertnetes may " + what, nil
	}
	reason := review.Status.Reason
	if reason == "" {
		reason = "no RBAC rule allows it"
	}
	return fmt.Sprintf("no: kubertnetes may not %s (%s)", what, reason), nil
}
