package kube

import (
	"fmt"
	"strings"
)

// Policy decides which fixes may even be shown for approval. The zero
// value is the safe default: workloads and their configuration only, never
// in kube-system.
type Policy struct {
	// AllowNamespaces lets fixes into namespaces refused by default (kube-system).
	AllowNamespaces []string
}

// fixableKinds are the kinds a fix may change by default.
var fixableKinds = map[string]bool{
	"deployment": true, "statefulset": true, "daemonset": true, "replicaset": true,
	"job": true, "cronjob": true, "service": true, "configmap": true,
	"horizontalpodautoscaler": true, "ingress": true, "persistentvolumeclaim": true,
}

var protectedNamespaces = map[string]bool{"kube-system": true, "kube-public": true, "kube-node-lease": true}

// Check refuses a fix the policy does not allow, saying why. kind is the
// target's Kind as resolved by the API server's discovery.
func (p Policy) Check(fix Fix, kind string) error {
	k := strings.ToLower(kind)
	if !fixableKinds[k] {
		return fmt.Errorf("policy: kubertnetes does not propose changes to %s objects (allowed: workloads, Services, ConfigMaps, Ingresses, HPAs, PVCs)", kind)
	}
	if protectedNamespaces[fix.Target.Namespace] {
		for _, ns := range p.AllowNamespaces {
			if ns == fix.Target.Namespace {
				return nil
			}
		}
		return fmt.Errorf("policy: changes in namespace %s are refused unless allowed in configuration", fix.Target.Namespace)
	}
	return nil
}
