package mail

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// TLS modes for Config.TLS.
const (
	// TLSStartTLS connects in the clear and upgrades with STARTTLS before
	// anything else is said; a server that does not offer it is refused.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, usually port 465).
	TLSImplicit = "tls"
	// TLSNone sends in the clear and is accepted only for loopback hosts,
	// such as a local relay or a test server.
	TLSNone = "none"
)

// DefaultTimeout bounds one Send when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config says which SMTP server to send through and as whom.
type Config struct {
	// Host is the SMTP server's name or IP address.
	Host string
	// Port is the server's port; zero means the usual port for the TLS
	// mode: 587 for starttls, 465 for tls, 25 for none.
	Port int
	// Username and Password, when set, are used for SMTP AUTH; they must be
	// set together.
	Username string
	Password string
	// From is the sender address, a plain address such as
	// "noreply@example.jp" without a display name.
	From string
	// TLS is TLSStartTLS (the default when empty), TLSImplicit or TLSNone.
	TLS string
	// Timeout bounds one Send, from connecting to QUIT; zero means
	// DefaultTimeout.
	Timeout time.Duration
}

// normalize returns the configuration with defaults filled in, or an error
// saying what is wrong with it.
func (c Config) normalize() (Config, error) {
	if c.Host == "" {
		return c, errors.New("mail: config: host is not set")
	}
	if net.ParseIP(c.Host) == nil && !isHostName(c.Host) {
		return c, errors.New("mail: config: host must be a bare host name or IP address, without port or scheme")
	}
	switch c.TLS {
	case "":
		c.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return c, fmt.Errorf("mail: config: tls mode %q is not one of %q, %q, %q", c.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	if c.TLS == TLSNone && !isLoopback(c.Host) {
		return c, fmt.Errorf("mail: config: tls mode %q sends passwords and personal data in the clear and is allowed only for loopback hosts, not %q", TLSNone, c.Host)
	}
	if c.Port == 0 {
		c.Port = defaultPorts[c.TLS]
	}
	if c.Port < 1 || c.Port > 65535 {
		return c, fmt.Errorf("mail: config: port %d is outside 1-65535", c.Port)
	}
	if (c.Username == "") != (c.Password == "") {
		return c, errors.New("mail: config: username and password must be set together")
	}
	if strings.ContainsFunc(c.Username, isControl) || strings.ContainsFunc(c.Password, isControl) {
		return c, errors.New("mail: config: username and password must not contain control characters")
	}
	if _, err := parsePlainAddress(c.From); err != nil {
		return c, fmt.Errorf("mail: config: from: %w", err)
	}
	if c.Timeout < 0 {
		return c, fmt.Errorf("mail: config: timeout %s is negative", c.Timeout)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c, nil
}

var defaultPorts = map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}

// isHostName reports whether s is made only of the characters of DNS names;
// it keeps "host:port", URLs and go-mail's "unix://" sockets out of Host.
func isHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
		default:
			return false
		}
	}
	return true
}

// isLoopback reports whether host names this machine without asking DNS.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
