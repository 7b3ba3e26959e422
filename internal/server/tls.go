package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// TLSConfig configures HTTPS. TLS is on when a certificate file pair or ACME
// domains are given; the two are exclusive.
type TLSConfig struct {
	// CertFile and KeyFile are a PEM certificate chain and its private key.
	// They are re-read when either file changes, so a renewal needs no
	// restart.
	CertFile string
	KeyFile  string
	// ACME obtains and renews certificates automatically.
	ACME ACMEConfig
	// RedirectHTTP is the address of a plain-HTTP listener, such as ":80",
	// that redirects to HTTPS and answers ACME http-01 challenges. Empty
	// means none.
	RedirectHTTP string
	// MinVersion is the oldest TLS version accepted, TLS12 or TLS13, as
	// the privacy manifest states it; empty means TLS12.
	MinVersion string
}

// Values of TLSConfig.MinVersion, written as the manifest writes them.
const (
	// TLS12 accepts TLS 1.2 and 1.3.
	TLS12 = "1.2"
	// TLS13 accepts TLS 1.3 only.
	TLS13 = "1.3"
)

// ACMEConfig configures automatic certificates from an ACME authority such
// as Let's Encrypt.
type ACMEConfig struct {
	// Domains are the only host names certificates are requested for.
	Domains []string
	// Email is the contact address given to the authority; optional.
	Email string
	// CacheDir holds the account key and certificates between restarts.
	CacheDir string
	// DirectoryURL is the authority's directory; empty means Let's Encrypt.
	DirectoryURL string
}

// Enabled reports whether c turns TLS on.
func (c TLSConfig) Enabled() bool {
	return c.CertFile != "" || c.KeyFile != "" || len(c.ACME.Domains) > 0
}

func (c TLSConfig) validate() error {
	var errs []error
	if (c.CertFile == "") != (c.KeyFile == "") {
		errs = append(errs, errors.New("TLS needs both a certificate file and a key file"))
	}
	if c.CertFile != "" && len(c.ACME.Domains) > 0 {
		errs = append(errs, errors.New("TLS certificate files and ACME domains are exclusive"))
	}
	if len(c.ACME.Domains) > 0 && c.ACME.CacheDir == "" {
		errs = append(errs, errors.New("ACME needs a cache directory"))
	}
	if c.RedirectHTTP != "" && !c.Enabled() {
		errs = append(errs, errors.New("an HTTP redirect listener needs TLS"))
	}
	if c.MinVersion != "" && c.MinVersion != TLS12 && c.MinVersion != TLS13 {
		errs = append(errs, fmt.Errorf("TLS minimum version %q: want %s or %s", c.MinVersion, TLS12, TLS13))
	}
	return errors.Join(errs...)
}

// minVersion is the crypto/tls constant of c.MinVersion.
func (c TLSConfig) minVersion() uint16 {
	if c.MinVersion == TLS13 {
		return tls.VersionTLS13
	}
	return tls.VersionTLS12
}

// tlsCipherSuites are the TLS 1.2 suites offered: forward-secret key
// exchange with authenticated encryption only. TLS 1.3 suites are not
// configurable and all qualify.
func tlsCipherSuites() []uint16 {
	return []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	}
}

// newTLS builds the server's TLS configuration and, for ACME, the manager
// whose HTTP handler answers http-01 challenges.
func newTLS(c TLSConfig, logger *slog.Logger) (*tls.Config, *autocert.Manager, error) {
	cfg := &tls.Config{
		MinVersion:   c.minVersion(),
		CipherSuites: tlsCipherSuites(),
		NextProtos:   []string{"h2", "http/1.1"},
	}
	if c.CertFile != "" {
		certs, err := newCertReloader(c.CertFile, c.KeyFile, logger)
		if err != nil {
			return nil, nil, err
		}
		cfg.GetCertificate = certs.getCertificate
		return cfg, nil, nil
	}
	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		HostPolicy: autocert.HostWhitelist(c.ACME.Domains...),
		Cache:      autocert.DirCache(c.ACME.CacheDir),
		Email:      c.ACME.Email,
	}
	if c.ACME.DirectoryURL != "" {
		m.Client = &acme.Client{DirectoryURL: c.ACME.DirectoryURL}
	}
	cfg.GetCertificate = m.GetCertificate
	cfg.NextProtos = append(cfg.NextProtos, acme.ALPNProto)
	return cfg, m, nil
}

// certReloader serves a certificate from files and loads them again when
// their modification time or size changes. A file pair that fails to load
// (such as one caught halfway through a renewal) leaves the previous
// certificate in service until either file changes again.
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   fileStamp
	badSeen fileStamp
}

// fileStamp identifies one version of the certificate file pair.
type fileStamp struct {
	certMod, keyMod   time.Time
	certSize, keySize int64
}

func newCertReloader(certFile, keyFile string, logger *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, logger: logger}
	stamp, err := r.currentStamp()
	if err != nil {
		return nil, fmt.Errorf("server: TLS certificate: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("server: TLS certificate: %w", err)
	}
	r.cert, r.stamp = &cert, stamp
	return r, nil
}

func (r *certReloader) currentStamp() (fileStamp, error) {
	ci, err := os.Stat(r.certFile)
	if err != nil {
		return fileStamp{}, err
	}
	ki, err := os.Stat(r.keyFile)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{certMod: ci.ModTime(), keyMod: ki.ModTime(), certSize: ci.Size(), keySize: ki.Size()}, nil
}

func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stamp, err := r.currentStamp()
	if err != nil || stamp == r.stamp || stamp == r.badSeen {
		return r.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		r.badSeen = stamp
		r.logger.Error("TLS certificate reload failed; keeping the previous certificate", "cert", r.certFile, "err", err)
		return r.cert, nil
	}
	r.cert, r.stamp = &cert, stamp
	r.logger.Info("TLS certificate reloaded", "cert", r.certFile)
	return r.cert, nil
}
