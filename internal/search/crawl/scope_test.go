package crawl

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestScope(t *testing.T) {
	base, _ := url.Parse("http://Example.jp:80/site/")
	s := newScope(base)
	tests := []struct {
		url      string
		in       bool
		key      string
		sitePath string
	}{
		{"http://example.jp/site/", true, "http://example.jp/site/", "/"},
		{"http://EXAMPLE.jp:80/site/a?b=1", true, "http://example.jp/site/a?b=1", "/a?b=1"},
		{"http://example.jp/site", true, "http://example.jp/site", "/"},
		{"http://example.jp/site/%E3%81%8A", true, "http://example.jp/site/%E3%81%8A", "/お"},
		{"http://example.jp/sitemap.xml", false, "", ""},
		{"http://example.jp/other/", false, "", ""},
		{"https://example.jp/site/", false, "", ""},
		{"http://example.jp:8080/site/", false, "", ""},
		{"http://www.example.jp/site/", false, "", ""},
		{"http://user@example.jp/site/", false, "", ""},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.contains(u); got != tt.in {
			t.Errorf("contains(%s) = %v, want %v", tt.url, got, tt.in)
			continue
		}
		if !tt.in {
			continue
		}
		if got := s.key(u); got != tt.key {
			t.Errorf("key(%s) = %q, want %q", tt.url, got, tt.key)
		}
		if got := s.sitePath(u); got != tt.sitePath {
			t.Errorf("sitePath(%s) = %q, want %q", tt.url, got, tt.sitePath)
		}
	}
}

func TestExcluded(t *testing.T) {
	patterns := []string{"/drafts/*", "*.bak", "/exact"}
	for p, want := range map[string]bool{
		"/drafts/a": true, "/drafts": false, "/x/y.bak": true, "/exact": true, "/exact/more": false, "/ok": false,
	} {
		if got := excluded(patterns, p); got != want {
			t.Errorf("excluded(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
	}{
		{"", time.Second},
		{"0", 0},
		{"5", 5 * time.Second},
		{"-3", 0},
		{"86400", maxRetryWait},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", time.Second},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.v, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.v, got, tt.want)
		}
	}
}
