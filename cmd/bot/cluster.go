package main

import (
	"fmt"
	"net"
	"os"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// cluster is the cluster kubertnetes talks to.
type cluster struct {
	config  *rest.Config
	context string // kubeconfig context name, or "in-cluster"
}

// loadCluster finds the cluster: KUBECONFIG (or ~/.kube/config), else the
// in-cluster service account. Every path and address comes from cfg;
// client-go's defaults, which read the process environment, are not used.
func loadCluster(cfg Config) (cluster, error) {
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: cfg.kubeconfigPaths()}
	raw, loadErr := rules.Load()
	err := loadErr
	if loadErr == nil {
		var rc *rest.Config
		overrides := &clientcmd.ConfigOverrides{CurrentContext: cfg.KubeContext}
		if rc, err = clientcmd.NewNonInteractiveClientConfig(*raw, cfg.KubeContext, overrides, rules).ClientConfig(); err == nil {
			name := raw.CurrentContext
			if cfg.KubeContext != "" {
				name = cfg.KubeContext
			}
			return cluster{config: rc, context: name}, nil
		}
	}
	if ic, icErr := inClusterConfig(cfg); icErr == nil {
		return cluster{config: ic, context: "in-cluster"}, nil
	}
	if loadErr == nil && len(raw.Contexts) == 0 {
		return cluster{}, configErrorf("no cluster configured: set KUBECONFIG to a kubeconfig file, or run `kubertnetes playground` for a local demo cluster")
	}
	return cluster{}, fmt.Errorf("cluster configuration: %w", err)
}

// The service account a pod's token and CA are mounted from.
const (
	serviceAccountToken = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	serviceAccountCA    = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
)

// inClusterConfig is rest.InClusterConfig with the API server's address
// from cfg (KUBERNETES_SERVICE_HOST and _PORT, which Kubernetes sets in
// every pod) instead of from the process environment.
func inClusterConfig(cfg Config) (*rest.Config, error) {
	if cfg.KubernetesServiceHost == "" || cfg.KubernetesServicePort == "" {
		return nil, rest.ErrNotInCluster
	}
	token, err := os.ReadFile(serviceAccountToken)
	if err != nil {
		return nil, fmt.Errorf("in-cluster config: %w", err)
	}
	rc := &rest.Config{
		Host:            "https://" + net.JoinHostPort(cfg.KubernetesServiceHost, cfg.KubernetesServicePort),
		BearerToken:     string(token),
		BearerTokenFile: serviceAccountToken,
	}
	if _, err := os.Stat(serviceAccountCA); err == nil {
		rc.TLSClientConfig.CAFile = serviceAccountCA
	}
	return rc, nil
}
