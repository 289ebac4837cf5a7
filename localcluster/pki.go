package localcluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity is how long every generated certificate is valid. The
// clusters are throwaway, but a playground may run for a while.
const certValidity = 10 * 365 * 24 * time.Hour

// keyPair is a PEM-encoded certificate and its private key.
type keyPair struct {
	cert, key []byte
}

// pki is the cluster's certificate authority and the credentials signed by
// it, written as files under dir for the components' flags.
type pki struct {
	dir    string
	caCert *x509.Certificate
	caKey  crypto.Signer
	caPEM  []byte

	apiserver  keyPair // serving cert of kube-apiserver, also kwok's kubelet-like server
	admin      keyPair // CN=kubernetes-admin, O=system:masters
	frontProxy keyPair // CN=front-proxy-client, for the aggregation layer
}

// File names under pki.dir.
const (
	pkiCA            = "ca.crt"
	pkiCAKey         = "ca.key"
	pkiAPIServer     = "apiserver.crt"
	pkiAPIServerKey  = "apiserver.key"
	pkiAdmin         = "admin.crt"
	pkiAdminKey      = "admin.key"
	pkiFrontProxy    = "front-proxy.crt"
	pkiFrontProxyKey = "front-proxy.key"
	pkiSAKey         = "sa.key"
	pkiSAPub         = "sa.pub"
)

// newPKI generates a CA, the apiserver serving certificate (valid for
// 127.0.0.1, localhost, the kubernetes service names and serviceIP), the
// admin and front-proxy client certificates and the service-account signing
// key, and writes them under dir. Keys are ECDSA P-256: fast to generate and
// accepted by every component.
func newPKI(dir string, serviceIP net.IP) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create pki dir: %w", err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "kubertnetes-localcluster-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caPEM, caCert, err := sign(caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("sign CA: %w", err)
	}
	p := &pki{dir: dir, caCert: caCert, caKey: caKey, caPEM: caPEM}

	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), serviceIP},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if p.apiserver, err = p.issue(serving); err != nil {
		return nil, fmt.Errorf("issue apiserver cert: %w", err)
	}
	if p.admin, err = p.clientCert("kubernetes-admin", "system:masters"); err != nil {
		return nil, fmt.Errorf("issue admin cert: %w", err)
	}
	if p.frontProxy, err = p.clientCert("front-proxy-client"); err != nil {
		return nil, fmt.Errorf("issue front-proxy cert: %w", err)
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate service-account key: %w", err)
	}
	saKeyPEM, err := keyPEM(saKey)
	if err != nil {
		return nil, err
	}
	saPub, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return nil, fmt.Errorf("encode service-account public key: %w", err)
	}
	caKeyPEM, err := keyPEM(caKey)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{
		pkiCA: caPEM, pkiCAKey: caKeyPEM,
		pkiAPIServer: p.apiserver.cert, pkiAPIServerKey: p.apiserver.key,
		pkiAdmin: p.admin.cert, pkiAdminKey: p.admin.key,
		pkiFrontProxy: p.frontProxy.cert, pkiFrontProxyKey: p.frontProxy.key,
		pkiSAKey: saKeyPEM, pkiSAPub: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	return p, nil
}

// path returns the path of one of the pki files.
func (p *pki) path(name string) string { return filepath.Join(p.dir, name) }

// clientCert issues a client certificate for user cn in the given groups
// (the apiserver maps CN to the user name and O to the groups).
func (p *pki) clientCert(cn string, groups ...string) (keyPair, error) {
	return p.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: groups},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
}

// issue fills in the validity, key usage and serial of tmpl, generates a key
// and signs the certificate with the CA.
func (p *pki) issue(tmpl *x509.Certificate) (keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return keyPair{}, fmt.Errorf("generate key: %w", err)
	}
	now := time.Now()
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.Add(certValidity)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	certPEM, _, err := sign(tmpl, p.caCert, key.Public(), p.caKey)
	if err != nil {
		return keyPair{}, err
	}
	kp, err := keyPEM(key)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{cert: certPEM, key: kp}, nil
}

// sign creates a certificate for pub from tmpl, signed by parent's key.
func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) ([]byte, *x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("generate serial: %w", err)
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), cert, nil
}

// keyPEM encodes an ECDSA private key as SEC 1 PEM.
func keyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}
