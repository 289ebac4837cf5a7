package localcluster

import (
	"errors"
	"fmt"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Client rate limits of the configs handed out: tests create objects in
// bursts, and client-go's default (5 QPS) would make them wait for nothing.
const (
	clientQPS   = 100
	clientBurst = 200
)

// RESTConfig returns a new admin (system:masters) config for the cluster.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.config) }

// KubeconfigPath returns the path of an admin kubeconfig file in Dir.
func (c *Cluster) KubeconfigPath() string { return filepath.Join(c.dir, "kubeconfig") }

// UserConfig returns a config that authenticates as user in groups with a
// client certificate signed by the cluster CA (CN=user, O=groups). It grants
// nothing by itself: RBAC bindings are up to the caller.
func (c *Cluster) UserConfig(user string, groups ...string) (*rest.Config, error) {
	if user == "" {
		return nil, errors.New("user config: empty user name")
	}
	kp, err := c.pki.clientCert(user, groups...)
	if err != nil {
		return nil, fmt.Errorf("user config for %q: %w", user, err)
	}
	return c.configFor(kp), nil
}

func (c *Cluster) configFor(kp keyPair) *rest.Config {
	return &rest.Config{
		Host: loopbackURL("https", c.ports.apiserver),
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   c.pki.caPEM,
			CertData: kp.cert,
			KeyData:  kp.key,
		},
		QPS:   clientQPS,
		Burst: clientBurst,
	}
}

// writeKubeconfig writes the admin kubeconfig and returns the admin config.
func (c *Cluster) writeKubeconfig() (*rest.Config, error) {
	cfg := c.configFor(c.pki.admin)
	kc := clientcmdapi.NewConfig()
	kc.Clusters["local"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData}
	kc.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "admin"}
	kc.CurrentContext = "local"
	if err := clientcmd.WriteToFile(*kc, c.KubeconfigPath()); err != nil {
		return nil, fmt.Errorf("write kubeconfig: %w", err)
	}
	return cfg, nil
}
