package scan

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixtureHosts are the third-party hosts of testdata/site, as a folder
// served on www.example.jp shows them.
var fixtureHosts = []string{
	"cdn.example.net", "css.example.net", "fonts.googleapis.com", "fonts.gstatic.com", "forms.example.com",
	"i.ytimg.com", "images.example.jp", "img.example.org", "media.example.com", "webfonts.example.net",
	"www.google.com", "www.googletagmanager.com", "www.youtube-nocookie.com", "www.youtube.com", "youtu.be",
}

func TestFolder(t *testing.T) {
	r, err := Folder(context.Background(), filepath.Join("testdata", "site"), FolderOptions{Self: []string{"www.example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, p := range r.Pages {
		paths = append(paths, p.Path)
	}
	if want := []string{"about/index.html", "index.html", "sjis.html"}; !slices.Equal(paths, want) {
		t.Errorf("pages = %v, want %v (hidden folders skipped)", paths, want)
	}
	var hosts []string
	for _, h := range r.Hosts() {
		hosts = append(hosts, h.Host)
	}
	if !slices.Equal(hosts, fixtureHosts) {
		t.Errorf("hosts:\n got %v\nwant %v", hosts, fixtureHosts)
	}
	if len(r.Problems) != 0 || r.Truncated {
		t.Errorf("problems %v, truncated %v", r.Problems, r.Truncated)
	}
}

func TestFolderLimitAndErrors(t *testing.T) {
	r, err := Folder(context.Background(), filepath.Join("testdata", "site"), FolderOptions{MaxPages: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Pages) != 1 || !r.Truncated {
		t.Errorf("%d pages, truncated %v; want 1 and true", len(r.Pages), r.Truncated)
	}
	for _, root := range []string{filepath.Join("testdata", "missing"), filepath.Join("testdata", "site", "index.html")} {
		if _, err := Folder(context.Background(), root, FolderOptions{}); err == nil || !strings.Contains(err.Error(), root) {
			t.Errorf("Folder(%s) error = %v, want one naming it", root, err)
		}
	}
}
