package config

import (
	"strings"
	"testing"
)

func TestAuditAnchorKeys(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string // part of the one problem; "" for none
	}{
		{name: "off", env: nil},
		{name: "to a file", env: []string{"NOREN_AUDIT_ANCHOR_KEY_FILE=/etc/noren/anchor.key", "NOREN_AUDIT_ANCHOR_FILE=/var/log/noren/anchors.jsonl"}},
		{name: "by mail", env: []string{"NOREN_AUDIT_ANCHOR_KEY_FILE=k", "NOREN_AUDIT_ANCHOR_MAIL=true", "NOREN_SMTP_HOST=mail.example.jp", "NOREN_SMTP_FROM=noren@example.jp"}},
		{name: "key going nowhere", env: []string{"NOREN_AUDIT_ANCHOR_KEY_FILE=k"}, want: "audit.anchor_file: required"},
		{name: "file without key", env: []string{"NOREN_AUDIT_ANCHOR_FILE=a"}, want: "audit.anchor_key_file: required"},
		{name: "mail without a mail server", env: []string{"NOREN_AUDIT_ANCHOR_KEY_FILE=k", "NOREN_AUDIT_ANCHOR_MAIL=true"}, want: "audit.anchor_mail: needs smtp.host"},
		{name: "anchors into the key file", env: []string{"NOREN_AUDIT_ANCHOR_KEY_FILE=/etc/noren/k", "NOREN_AUDIT_ANCHOR_FILE=/etc/noren/./k"}, want: "audit.anchor_file: is the key file"},
		{name: "interval too short", env: []string{"NOREN_AUDIT_ANCHOR_INTERVAL=10s"}, want: "audit.anchor_interval: 10s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Load validates what it loads.
			_, err := Load("", tt.env)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			p := problemsOf(t, err)
			if len(p) != 1 || !strings.Contains(p[0], tt.want) {
				t.Errorf("problems %q, want one containing %q", p, tt.want)
			}
		})
	}
}
