package mail

import (
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	tests := []struct {
		tls      string
		wantTLS  string
		wantPort int
	}{
		{"", TLSStartTLS, 587},
		{TLSStartTLS, TLSStartTLS, 587},
		{TLSImplicit, TLSImplicit, 465},
		{TLSNone, TLSNone, 25},
	}
	for _, tt := range tests {
		got, err := Config{Host: "localhost", From: "a@example.jp", TLS: tt.tls}.normalize()
		if err != nil {
			t.Fatalf("normalize(tls %q): %v", tt.tls, err)
		}
		if got.TLS != tt.wantTLS || got.Port != tt.wantPort || got.Timeout != DefaultTimeout {
			t.Errorf("normalize(tls %q) = tls %q port %d timeout %s, want %q %d %s", tt.tls, got.TLS, got.Port, got.Timeout, tt.wantTLS, tt.wantPort, DefaultTimeout)
		}
	}
	got, err := Config{Host: "localhost", Port: 2525, From: "a@example.jp", Timeout: time.Second}.normalize()
	if err != nil || got.Port != 2525 || got.Timeout != time.Second {
		t.Errorf("normalize kept port %d timeout %s (err %v), want 2525 1s", got.Port, got.Timeout, err)
	}
}
