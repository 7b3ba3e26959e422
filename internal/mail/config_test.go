package mail_test

import (
	"strings"
	"testing"
	"time"

	noren "github.com/noren-web/noren/internal/mail"
)

func TestNewSenderRefusesBadConfig(t *testing.T) {
	good := noren.Config{Host: "smtp.example.jp", Port: 587, Username: "user", Password: "pa55word", From: "noreply@example.jp"}
	if _, err := noren.NewSender(good); err != nil {
		t.Fatalf("NewSender(good) = %v", err)
	}
	tests := []struct {
		name string
		edit func(*noren.Config)
		want string // in the error
	}{
		{"no host", func(c *noren.Config) { c.Host = "" }, "host is not set"},
		{"host with port", func(c *noren.Config) { c.Host = "smtp.example.jp:587" }, "bare host name"},
		{"host as URL", func(c *noren.Config) { c.Host = "smtp://smtp.example.jp" }, "bare host name"},
		{"unix socket", func(c *noren.Config) { c.Host = "unix:///run/smtp.sock" }, "bare host name"},
		{"host with space", func(c *noren.Config) { c.Host = "smtp example.jp" }, "bare host name"},
		{"port too large", func(c *noren.Config) { c.Port = 65536 }, "port 65536"},
		{"negative port", func(c *noren.Config) { c.Port = -1 }, "port -1"},
		{"unknown tls mode", func(c *noren.Config) { c.TLS = "ssl" }, `tls mode "ssl"`},
		{"tls none to a remote host", func(c *noren.Config) { c.TLS = noren.TLSNone }, "only for loopback"},
		{"tls none to a private address", func(c *noren.Config) { c.TLS = noren.TLSNone; c.Host = "10.0.0.25" }, "only for loopback"},
		{"tls none to a name that merely starts with localhost", func(c *noren.Config) { c.TLS = noren.TLSNone; c.Host = "localhost.example.jp" }, "only for loopback"},
		{"username without password", func(c *noren.Config) { c.Password = "" }, "set together"},
		{"password without username", func(c *noren.Config) { c.Username = "" }, "set together"},
		{"newline in password", func(c *noren.Config) { c.Password = "pa55\r\nword" }, "control characters"},
		{"no from", func(c *noren.Config) { c.From = "" }, "from: address is empty"},
		{"from with display name", func(c *noren.Config) { c.From = "Noren <noreply@example.jp>" }, "plain address"},
		{"from with header injection", func(c *noren.Config) { c.From = "noreply@example.jp\r\nBcc: x@example.org" }, "control characters"},
		{"from not an address", func(c *noren.Config) { c.From = "noreply" }, "not a valid"},
		{"negative timeout", func(c *noren.Config) { c.Timeout = -time.Second }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			s, err := noren.NewSender(cfg)
			if err == nil {
				t.Fatalf("NewSender accepted %+v", s)
			}
			if !strings.HasPrefix(err.Error(), "mail: config: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "pa55") {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

func TestNewSenderAcceptsLoopbackInTheClear(t *testing.T) {
	for _, host := range []string{"localhost", "LOCALHOST", "127.0.0.1", "127.0.0.53", "::1"} {
		cfg := noren.Config{Host: host, From: "noreply@example.jp", TLS: noren.TLSNone}
		if _, err := noren.NewSender(cfg); err != nil {
			t.Errorf("NewSender(%s) = %v", host, err)
		}
	}
}
