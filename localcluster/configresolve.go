package localcluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
)

// resolver looks up the ConfigMaps and Secrets a container refers to, as
// the kubelet does before it creates the container: in the informers'
// caches, and, before it calls anything missing, in the API itself (a cache
// may lag behind an object just created).
type resolver struct {
	ctx     context.Context
	client  kubernetes.Interface
	ns      string
	cms     listersv1.ConfigMapLister
	secrets listersv1.SecretLister
	live    bool
}

// check returns the kubelet's error for container c, "" if it can be
// created, and an error only when the API could not answer.
func (r resolver) check(c *corev1.Container) (string, error) {
	msg, err := r.checkOnce(c)
	if msg == "" || err != nil || r.live {
		return msg, err
	}
	r.live = true
	return r.checkOnce(c)
}

func (r resolver) checkOnce(c *corev1.Container) (string, error) {
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil && !optional(from.ConfigMapRef.Optional):
			if cm, err := r.configMap(from.ConfigMapRef.Name); cm == nil || err != nil {
				return fmt.Sprintf("configmap %q not found", from.ConfigMapRef.Name), err
			}
		case from.SecretRef != nil && !optional(from.SecretRef.Optional):
			if s, err := r.secret(from.SecretRef.Name); s == nil || err != nil {
				return fmt.Sprintf("secret %q not found", from.SecretRef.Name), err
			}
		}
	}
	for _, e := range c.Env {
		if e.Value != "" || e.ValueFrom == nil {
			continue
		}
		switch ref := e.ValueFrom; {
		case ref.ConfigMapKeyRef != nil && !optional(ref.ConfigMapKeyRef.Optional):
			cm, err := r.configMap(ref.ConfigMapKeyRef.Name)
			if cm == nil || err != nil {
				return fmt.Sprintf("configmap %q not found", ref.ConfigMapKeyRef.Name), err
			}
			if _, ok := cm.Data[ref.ConfigMapKeyRef.Key]; !ok {
				return fmt.Sprintf("couldn't find key %s in ConfigMap %s/%s", ref.ConfigMapKeyRef.Key, r.ns, cm.Name), nil
			}
		case ref.SecretKeyRef != nil && !optional(ref.SecretKeyRef.Optional):
			s, err := r.secret(ref.SecretKeyRef.Name)
			if s == nil || err != nil {
				return fmt.Sprintf("secret %q not found", ref.SecretKeyRef.Name), err
			}
			if _, ok := s.Data[ref.SecretKeyRef.Key]; !ok {
				return fmt.Sprintf("couldn't find key %s in Secret %s/%s", ref.SecretKeyRef.Key, r.ns, s.Name), nil
			}
		}
	}
	return "", nil
}

// configMap is the ConfigMap called name, nil if there is none.
func (r resolver) configMap(name string) (*corev1.ConfigMap, error) {
	var cm *corev1.ConfigMap
	var err error
	if r.live {
		cm, err = r.client.CoreV1().ConfigMaps(r.ns).Get(r.ctx, name, metav1.GetOptions{})
	} else {
		cm, err = r.cms.ConfigMaps(r.ns).Get(name)
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get configmap %s: %w", name, err)
	}
	return cm, nil
}

// secret is the Secret called name, nil if there is none.
func (r resolver) secret(name string) (*corev1.Secret, error) {
	var s *corev1.Secret
	var err error
	if r.live {
		s, err = r.client.CoreV1().Secrets(r.ns).Get(r.ctx, name, metav1.GetOptions{})
	} else {
		s, err = r.secrets.Secrets(r.ns).Get(name)
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get secret %s: %w", name, err)
	}
	return s, nil
}

func optional(b *bool) bool { return b != nil && *b }

// needsConfig: some container takes env from a ConfigMap or Secret that is
// not optional (jqNeedsConfig is the same test for kwok).
func needsConfig(p *corev1.Pod) bool {
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range cs {
			for _, f := range c.EnvFrom {
				if f.ConfigMapRef != nil && !optional(f.ConfigMapRef.Optional) || f.SecretRef != nil && !optional(f.SecretRef.Optional) {
					return true
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil && !optional(r.Optional) {
					return true
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil && !optional(r.Optional) {
					return true
				}
			}
		}
	}
	return false
}
