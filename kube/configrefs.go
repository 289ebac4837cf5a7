package kube

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// ConfigRef is one reference of a pod spec to a ConfigMap or Secret (or to
// one key of a ConfigMap, when Key is set), with the JSON pointers of the
// fields that name them.
type ConfigRef struct {
	Kind, Name, Key   string
	Where             string // "env DB_HOST of container app"
	NamePath, KeyPath string
	PullSecret        bool
	// Optional references do not stop a pod from starting when missing.
	Optional bool
}

// ConfigRefs lists every reference of spec to a ConfigMap or Secret: its
// containers' env and envFrom, its volumes and projected volumes, its
// image pull secrets. base is the JSON pointer of spec in its object.
func ConfigRefs(spec *corev1.PodSpec, base string) []ConfigRef {
	var out []ConfigRef
	optional := func(o *bool) bool { return o != nil && *o }
	for _, group := range []struct {
		field string
		cs    []corev1.Container
	}{{"initContainers", spec.InitContainers}, {"containers", spec.Containers}} {
		for i, c := range group.cs {
			cp := fmt.Sprintf("%s/%s/%d", base, group.field, i)
			for j, e := range c.Env {
				vf := e.ValueFrom
				ep := fmt.Sprintf("%s/env/%d/valueFrom", cp, j)
				where := fmt.Sprintf("env %s of container %s", e.Name, c.Name)
				switch {
				case vf == nil:
				case vf.ConfigMapKeyRef != nil:
					out = append(out, ConfigRef{Kind: "ConfigMap", Name: vf.ConfigMapKeyRef.Name, Key: vf.ConfigMapKeyRef.Key, Where: where,
						NamePath: ep + "/configMapKeyRef/name", KeyPath: ep + "/configMapKeyRef/key", Optional: optional(vf.ConfigMapKeyRef.Optional)})
				case vf.SecretKeyRef != nil:
					out = append(out, ConfigRef{Kind: "Secret", Name: vf.SecretKeyRef.Name, Where: where, NamePath: ep + "/secretKeyRef/name",
						Optional: optional(vf.SecretKeyRef.Optional)})
				}
			}
			for j, from := range c.EnvFrom {
				fp := fmt.Sprintf("%s/envFrom/%d", cp, j)
				where := "envFrom of container " + c.Name
				if r := from.ConfigMapRef; r != nil {
					out = append(out, ConfigRef{Kind: "ConfigMap", Name: r.Name, Where: where, NamePath: fp + "/configMapRef/name", Optional: optional(r.Optional)})
				}
				if r := from.SecretRef; r != nil {
					out = append(out, ConfigRef{Kind: "Secret", Name: r.Name, Where: where, NamePath: fp + "/secretRef/name", Optional: optional(r.Optional)})
				}
			}
		}
	}
	cmVolume := func(name string, items []corev1.KeyToPath, opt *bool, p, where string) {
		out = append(out, ConfigRef{Kind: "ConfigMap", Name: name, Where: where, NamePath: p + "/name", Optional: optional(opt)})
		for m, it := range items {
			out = append(out, ConfigRef{Kind: "ConfigMap", Name: name, Key: it.Key, Where: where, NamePath: p + "/name",
				KeyPath: fmt.Sprintf("%s/items/%d/key", p, m), Optional: optional(opt)})
		}
	}
	for k, v := range spec.Volumes {
		vp := fmt.Sprintf("%s/volumes/%d", base, k)
		where := "volume " + v.Name
		if cm := v.ConfigMap; cm != nil {
			cmVolume(cm.Name, cm.Items, cm.Optional, vp+"/configMap", where)
		}
		if s := v.Secret; s != nil {
			out = append(out, ConfigRef{Kind: "Secret", Name: s.SecretName, Where: where, NamePath: vp + "/secret/secretName", Optional: optional(s.Optional)})
		}
		if v.Projected == nil {
			continue
		}
		for m, src := range v.Projected.Sources {
			sp := fmt.Sprintf("%s/projected/sources/%d", vp, m)
			if cm := src.ConfigMap; cm != nil {
				cmVolume(cm.Name, cm.Items, cm.Optional, sp+"/configMap", where)
			}
			if s := src.Secret; s != nil {
				out = append(out, ConfigRef{Kind: "Secret", Name: s.Name, Where: where, NamePath: sp + "/secret/name", Optional: optional(s.Optional)})
			}
		}
	}
	for k, s := range spec.ImagePullSecrets {
		out = append(out, ConfigRef{Kind: "Secret", Name: s.Name, Where: "imagePullSecrets", NamePath: fmt.Sprintf("%s/imagePullSecrets/%d/name", base, k), PullSecret: true})
	}
	return out
}
