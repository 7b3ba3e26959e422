package config

import (
	"strings"
	"testing"
	"time"
)

func TestScanValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Scan)
		want   string // the key of the one problem, "" for none
	}{
		{"defaults", func(*Scan) {}, ""},
		{"interval at the floor", func(s *Scan) { s.Interval = 10 * time.Minute }, ""},
		{"interval too short", func(s *Scan) { s.Interval = 9 * time.Minute }, "scan.interval"},
		{"no pages", func(s *Scan) { s.Pages = 0 }, "scan.pages"},
		{"too many pages", func(s *Scan) { s.Pages = 10_001 }, "scan.pages"},
		{"negative depth", func(s *Scan) { s.Depth = -1 }, "scan.depth"},
		{"relative url", func(s *Scan) { s.URL = "/ja/" }, "scan.url"},
		{"ftp url", func(s *Scan) { s.URL = "ftp://www.example.jp/" }, "scan.url"},
		{"url", func(s *Scan) { s.URL = "https://www.example.jp/ja/" }, ""},
		{"off, anything goes", func(s *Scan) { s.Enabled, s.Interval, s.Pages = false, 0, 0 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c.Scan)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Validate: %v", err)
				}
				return
			}
			p := problemsOf(t, err)
			if len(p) != 1 || !strings.HasPrefix(p[0], tt.want+":") {
				t.Errorf("problems %q, want one about %s", p, tt.want)
			}
		})
	}
}

func TestScanFromEnvironment(t *testing.T) {
	c, err := Load("", []string{"NOREN_SCAN_INTERVAL=6h", "NOREN_SCAN_PAGES=12", "NOREN_SCAN_HOST_RESOLVER_RULES=MAP * ~NOTFOUND"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Scan.Interval != 6*time.Hour || c.Scan.Pages != 12 || c.Scan.HostResolverRules != "MAP * ~NOTFOUND" || !c.Scan.Enabled {
		t.Errorf("scan: %+v", c.Scan)
	}
}
