package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"testing/fstest"

	"github.com/noren-web/noren/internal/site"
	"github.com/noren-web/noren/web"
)

// TestFavicon asks for /favicon.ico of a site in a folder and behind a
// proxy, each with and without an icon of its own: the site's icon wins,
// and without one Noren answers with its own instead of a 404.
func TestFavicon(t *testing.T) {
	noren, err := web.Static.ReadFile("static/favicon.svg")
	if err != nil {
		t.Fatal(err)
	}
	own := "\x00\x00\x01\x00 the site's own icon"
	page := "<!DOCTYPE html><html lang=\"ja\"><head><title>t</title></head><body><p>本文</p></body></html>"
	folder := func(withIcon bool) http.Handler {
		fsys := fstest.MapFS{"index.html": {Data: []byte(page)}}
		if withIcon {
			fsys["favicon.ico"] = &fstest.MapFile{Data: []byte(own)}
		}
		h, err := site.NewStatic(fsys, site.Options{Languages: []string{"ja"}, DefaultLanguage: "ja"})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	upstream := func(withIcon bool) http.Handler {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/favicon.ico" && withIcon {
				w.Header().Set("Content-Type", "image/x-icon")
				io.WriteString(w, own)
				return
			}
			http.NotFound(w, r)
		}))
		t.Cleanup(srv.Close)
		u, _ := url.Parse(srv.URL + "/")
		h, err := site.NewProxy(u, site.Options{Languages: []string{"ja"}, DefaultLanguage: "ja"})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	tests := []struct {
		name     string
		site     http.Handler
		wantBody string
		wantType string
	}{
		{"folder with an icon", folder(true), own, ""},
		{"folder without", folder(false), string(noren), "image/svg+xml"},
		{"upstream with an icon", upstream(true), own, "image/x-icon"},
		{"upstream without", upstream(false), string(noren), "image/svg+xml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(faviconHandler(tc.site, noren))
			defer srv.Close()
			resp, body := get(t, nil, srv.URL+"/favicon.ico")
			if resp.StatusCode != http.StatusOK || body != tc.wantBody {
				t.Fatalf("status %d, body %q; want 200 and %q", resp.StatusCode, body, tc.wantBody)
			}
			if tc.wantType != "" && resp.Header.Get("Content-Type") != tc.wantType {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tc.wantType)
			}
		})
	}
}
