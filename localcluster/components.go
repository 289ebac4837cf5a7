package localcluster

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Fixed network ranges of every cluster. They are fake: no traffic flows.
const (
	serviceCIDR = "10.96.0.0/16"
	podCIDR     = "10.244.0.1/16"
)

// firstServiceIP is the ClusterIP of the kubernetes service, which the
// apiserver serving certificate must name.
var firstServiceIP = net.IPv4(10, 96, 0, 1)

// ports are the loopback ports of one cluster's components.
type ports struct {
	etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok int
}

func pickPorts() (ports, error) {
	p, err := freePorts(6)
	if err != nil {
		return ports{}, err
	}
	return ports{etcd: p[0], etcdPeer: p[1], apiserver: p[2], controllerManager: p[3], scheduler: p[4], kwok: p[5]}, nil
}

func loopbackURL(scheme string, port int) string {
	return scheme + "://127.0.0.1:" + strconv.Itoa(port)
}

// etcdArgs are the flags of a single-member etcd on loopback.
func etcdArgs(ctx context.Context, bin, dataDir string, p ports) []string {
	client, peer := loopbackURL("http", p.etcd), loopbackURL("http", p.etcdPeer)
	args := []string{
		"--name", "local", "--data-dir", dataDir,
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--initial-cluster", "local=" + peer,
		"--log-level", "warn",
	}
	if supportsFlag(ctx, bin, "--unsafe-no-fsync") {
		args = append(args, "--unsafe-no-fsync") // durability is pointless for a throwaway cluster
	}
	return args
}

// supportsFlag reports whether bin's --help mentions flag.
func supportsFlag(ctx context.Context, bin, flag string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, "--help").CombinedOutput() // etcd --help exits 0; others may not
	return bytes.Contains(out, []byte(flag))
}

// apiserverArgs configure kube-apiserver with TLS from the cluster CA, client
// certificate authentication, RBAC, and kubelet access to kwok's server on
// the nodes' InternalIP (127.0.0.1).
func apiserverArgs(pk *pki, p ports) []string {
	return []string{
		"--etcd-servers", loopbackURL("http", p.etcd),
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(p.apiserver),
		"--endpoint-reconciler-type", "none",
		"--tls-cert-file", pk.path(pkiAPIServer), "--tls-private-key-file", pk.path(pkiAPIServerKey),
		"--client-ca-file", pk.path(pkiCA),
		"--requestheader-client-ca-file", pk.path(pkiCA),
		"--requestheader-allowed-names", "front-proxy-client",
		"--requestheader-username-headers", "X-Remote-User",
		"--requestheader-group-headers", "X-Remote-Group",
		"--requestheader-extra-headers-prefix", "X-Remote-Extra-",
		"--proxy-client-cert-file", pk.path(pkiFrontProxy), "--proxy-client-key-file", pk.path(pkiFrontProxyKey),
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", pk.path(pkiSAPub),
		"--service-account-signing-key-file", pk.path(pkiSAKey),
		"--service-cluster-ip-range", serviceCIDR,
		"--authorization-mode", "Node,RBAC",
		"--allow-privileged=true",
		"--kubelet-client-certificate", pk.path(pkiAdmin), "--kubelet-client-key", pk.path(pkiAdminKey),
		"--kubelet-preferred-address-types", "InternalIP,Hostname",
	}
}

// controllerManagerArgs run every default controller against the admin kubeconfig.
func controllerManagerArgs(pk *pki, kubeconfig string, p ports) []string {
	return []string{
		"--kubeconfig", kubeconfig,
		"--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(p.controllerManager),
		"--leader-elect=false",
		"--root-ca-file", pk.path(pkiCA),
		"--service-account-private-key-file", pk.path(pkiSAKey),
		"--cluster-signing-cert-file", pk.path(pkiCA), "--cluster-signing-key-file", pk.path(pkiCAKey),
		"--service-cluster-ip-range", serviceCIDR,
	}
}

func schedulerArgs(kubeconfig string, p ports) []string {
	return []string{
		"--kubeconfig", kubeconfig,
		"--authentication-kubeconfig", kubeconfig, "--authorization-kubeconfig", kubeconfig,
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(p.scheduler),
		"--leader-elect=false",
	}
}

// kwokArgs run kwok for the nodes annotated kwok.x-k8s.io/node=fake, with
// its kubelet-like server (logs) on the kwok port of 127.0.0.1, which is
// every fake node's InternalIP. ClusterLogs come from the apiserver (CRD).
func kwokArgs(pk *pki, kubeconfig, config string, p ports) []string {
	return []string{
		"--kubeconfig", kubeconfig, "--config", config,
		"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector", nodeAnnotation + "=fake",
		"--node-ip", "127.0.0.1", "--node-name", "localhost",
		"--node-port", strconv.Itoa(p.kwok), "--server-address", "127.0.0.1:" + strconv.Itoa(p.kwok),
		"--tls-cert-file", pk.path(pkiAPIServer), "--tls-private-key-file", pk.path(pkiAPIServerKey),
		"--cidr", podCIDR,
		"--node-lease-duration-seconds", "40",
		"--enable-crds", "ClusterLogs",
	}
}

// binPath is the path of a component binary in binDir.
func binPath(binDir, name string) string { return filepath.Join(binDir, name) }

// String lists the ports, for progress logs.
func (p ports) String() string {
	return fmt.Sprintf("etcd %d/%d, apiserver %d, controller-manager %d, scheduler %d, kwok %d",
		p.etcd, p.etcdPeer, p.apiserver, p.controllerManager, p.scheduler, p.kwok)
}
