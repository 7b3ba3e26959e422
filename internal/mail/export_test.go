package mail

import "crypto/x509"

// TrustRoots makes s verify servers against roots instead of the system's
// pool, so that tests can send to a server with a certificate of their own.
func TrustRoots(s *Sender, roots *x509.CertPool) { s.tlsConfig.RootCAs = roots }
