package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// useManifest is a minimal manifest whose tools list is tools, written in
// YAML.
func useManifest(tools string) []byte {
	return []byte(`schema: 1
languages: [ja, en]
site:
  name: {ja: テスト, en: Test}
operator:
  name: {ja: テスト市, en: Test City}
  section: {ja: 広報課, en: Public Relations}
  email: info@example.org
  regime: local_government
  ordinance: {name: {ja: テスト市個人情報の保護に関する法律施行条例, en: Test City Ordinance Implementing the Act on the Protection of Personal Information}}
policy:
  version: "1"
  effective: 2026-01-01
security:
  measures:
    - {ja: 暗号化, en: Encryption}
requests:
  fee: {ja: 開示請求の手数料は無料です。, en: A request for disclosure is free of charge.}
  identity: {ja: 本人確認書類の提示又はその写しの提出により確認します。, en: Identity is verified from an identity document or a copy of one.}
  file_register: https://www.example.org/kojinjoho/file-register/
copyright:
  statement: {ja: 著作権, en: Copyright}
tools:
` + tools)
}

// TestCatalogEntriesValidate checks that every service of the catalogue,
// used on its own, makes a valid manifest.
func TestCatalogEntriesValidate(t *testing.T) {
	services := Catalog()
	if len(services) < 14 {
		t.Fatalf("catalogue has %d services, want at least 14", len(services))
	}
	for _, s := range services {
		t.Run(s.Tool.ID, func(t *testing.T) {
			m, err := Parse("use.yaml", useManifest("  - use: "+s.Tool.ID+"\n"))
			if err != nil {
				t.Fatalf("use: %s: %v", s.Tool.ID, err)
			}
			tool := m.Tool(s.Tool.ID)
			if tool == nil {
				t.Fatalf("no tool %q after expansion", s.Tool.ID)
			}
			if tool.Party == "first" {
				// Noren's own part: it loads nothing from elsewhere and
				// has no snippet to hold back.
				if len(tool.Hosts) != 0 || tool.OptOut != "" || tool.Country != "" || len(s.InlineMarkers) != 0 {
					t.Errorf("first-party entry names third-party facts: %+v", tool)
				}
				return
			}
			if tool.Party != "third" || len(tool.Hosts) == 0 || tool.OptOut == "" || tool.PrivacyPolicy == "" || tool.Country == "" {
				t.Errorf("incomplete entry: %+v", tool)
			}
			if len(s.InlineMarkers) == 0 {
				t.Errorf("%s has no inline markers", s.Tool.ID)
			}
		})
	}
	// All of them together: shared hosts and cookie names do not clash.
	var all strings.Builder
	for _, s := range services {
		fmt.Fprintf(&all, "  - use: %s\n", s.Tool.ID)
	}
	if _, err := Parse("all.yaml", useManifest(all.String())); err != nil {
		t.Fatalf("every service together: %v", err)
	}
}

func TestUseExpansion(t *testing.T) {
	tests := []struct {
		name  string
		tools string
		check func(t *testing.T, m *Manifest)
	}{
		{
			name:  "catalogue tool as it is",
			tools: "  - use: youtube\n",
			check: func(t *testing.T, m *Manifest) {
				yt := m.Tool("youtube")
				for _, h := range []string{"www.youtube.com", "youtu.be", "www.youtube-nocookie.com", "*.ytimg.com", "*.googlevideo.com"} {
					if !slices.Contains(yt.Hosts, h) {
						t.Errorf("hosts %v lack %s", yt.Hosts, h)
					}
				}
				if yt.Category != "embeds" || m.CookieCategory("embeds") == nil {
					t.Errorf("category %q; embeds defined: %v", yt.Category, m.CookieCategory("embeds") != nil)
				}
				if yt.Use != "youtube" {
					t.Errorf("Use = %q, want it kept", yt.Use)
				}
				if !slices.Contains(yt.InlineMarkers, "YT.Player") {
					t.Errorf("inline markers %v lack the catalogue's", yt.InlineMarkers)
				}
			},
		},
		{
			name: "keys given replace, hosts add",
			tools: `  - use: google-analytics
    id: ga4
    hosts: [stats.example.jp]
    purpose: {ja: 独自の目的, en: our own purpose}
`,
			check: func(t *testing.T, m *Manifest) {
				ga := m.Tool("ga4")
				if ga == nil {
					t.Fatal("no tool ga4")
				}
				if ga.Purpose.In("en") != "our own purpose" || ga.Name.In("en") != "Google Analytics" {
					t.Errorf("purpose %q, name %q", ga.Purpose.In("en"), ga.Name.In("en"))
				}
				want := []string{"www.googletagmanager.com", "*.google-analytics.com", "*.analytics.google.com", "stats.example.jp"}
				if !slices.Equal(ga.Hosts, want) {
					t.Errorf("hosts = %v, want %v", ga.Hosts, want)
				}
			},
		},
		{
			name:  "no markers for a tool that needs no consent",
			tools: "  - use: recaptcha\n  - use: google-fonts\n    category: necessary\n",
			check: func(t *testing.T, m *Manifest) {
				for _, id := range []string{"recaptcha", "google-fonts"} {
					if mk := m.Tool(id).InlineMarkers; len(mk) != 0 {
						t.Errorf("%s has inline markers %v though it never waits for consent", id, mk)
					}
				}
			},
		},
		{
			name:  "cookies follow a changed category",
			tools: "  - use: youtube\n    category: preferences\n",
			check: func(t *testing.T, m *Manifest) {
				for _, c := range m.Tool("youtube").Cookies {
					if c.Category != "preferences" {
						t.Errorf("cookie %s in %q, want preferences", c.Name, c.Category)
					}
				}
				if m.CookieCategory("embeds") != nil {
					t.Error("embeds category added though no tool needs it")
				}
			},
		},
		{
			name: "cookie given replaces the catalogue's of the same name",
			tools: `  - use: google-analytics
    cookies:
      - name: _ga
        duration: 13mo
        category: analytics
        description: {ja: 識別子, en: identifier}
`,
			check: func(t *testing.T, m *Manifest) {
				cs := m.Tool("google-analytics").Cookies
				if len(cs) != 2 || cs[0].Name != "_ga" || cs[0].Duration.String() != "13mo" {
					t.Errorf("cookies = %+v", cs)
				}
			},
		},
		{
			name:  "a category the manifest defines is kept",
			tools: "  - use: vimeo\ncookie_categories:\n  - id: embeds\n    name: {ja: 動画, en: Videos}\n    description: {ja: 動画です, en: videos}\n",
			check: func(t *testing.T, m *Manifest) {
				if got := m.CookieCategory("embeds").Name.In("en"); got != "Videos" {
					t.Errorf("embeds named %q, want the manifest's", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse("use.yaml", useManifest(tt.tools))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, m)
		})
	}
}

func TestUseUnknownService(t *testing.T) {
	tests := []struct {
		use, want string
	}{
		{"youtub", `tools[0].use: unknown service "youtub" (did you mean "youtube"?); the catalogue knows facebook, google-analytics,`},
		{"myspace", `tools[0].use: unknown service "myspace"; the catalogue knows`},
	}
	for _, tt := range tests {
		t.Run(tt.use, func(t *testing.T) {
			_, err := Parse("use.yaml", useManifest("  - use: "+tt.use+"\n"))
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err = %v, want problems", err)
			}
			if len(ps) != 1 {
				t.Errorf("%d problems, want only the unknown service:\n%v", len(ps), ps)
			}
			if !strings.Contains(ps.Error(), "use.yaml:24: "+tt.want) {
				t.Errorf("problems:\n%v\nwant one containing %q", ps, tt.want)
			}
		})
	}
}

// TestUseLeavesOtherHashesAlone checks that a manifest without `use` has
// the same canonical form as before the key existed.
func TestUseLeavesOtherHashesAlone(t *testing.T) {
	m, err := Parse("use.yaml", useManifest("  - id: x\n    name: {ja: x, en: x}\n    kind: other\n    party: first\n    category: necessary\n    information_sent: {ja: x, en: x}\n    purpose: {ja: x, en: x}\n"))
	if err != nil {
		t.Fatal(err)
	}
	canon, err := m.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(canon), `"Use"`) {
		t.Errorf("canonical form names Use: %s", canon)
	}
}

func TestCatalogByURL(t *testing.T) {
	tests := []struct {
		url, want string
	}{
		{"https://www.youtube.com/embed/abc", "youtube"},
		{"https://youtu.be/abc", "youtube"},
		{"https://www.youtube-nocookie.com/embed/abc", "youtube"},
		{"https://i.ytimg.com/vi/abc/hqdefault.jpg", "youtube"},
		{"https://www.google.com/maps/embed?pb=1", "google-maps"},
		{"https://maps.google.co.jp/maps?q=x", "google-maps"},
		{"https://www.google.com/recaptcha/api.js", "recaptcha"},
		{"https://www.gstatic.com/recaptcha/releases/x/recaptcha__ja.js", "recaptcha"},
		{"https://www.google.com/cse?cx=1", "google-cse"},
		{"https://www.googletagmanager.com/gtag/js?id=G-1", "google-analytics"},
		{"https://www.googletagmanager.com/gtm.js?id=GTM-1", "google-tag-manager"},
		{"https://region1.google-analytics.com/g/collect", "google-analytics"},
		{"https://connect.facebook.net/en_US/fbevents.js", "meta-pixel"},
		{"https://www.facebook.com/tr?id=1&ev=PageView", "meta-pixel"},
		{"https://connect.facebook.net/ja_JP/sdk.js", "facebook"},
		{"https://fonts.gstatic.com/s/x.woff2", "google-fonts"},
		{"https://b.st-hatena.com/js/bookmark_button.js", "hatena"},
		{"https://social-plugins.line.me/widget/share", "line"},
		{"https://cdn.example.net/x.js", ""},
		{"not a url", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, ok := CatalogByURL(tt.url)
			if got := s.Tool.ID; got != tt.want || ok != (tt.want != "") {
				t.Errorf("CatalogByURL(%q) = %q, %v; want %q", tt.url, got, ok, tt.want)
			}
		})
	}
}

func TestCatalogByHost(t *testing.T) {
	tests := []struct {
		host, want string
	}{
		{"m.youtube.com", "youtube"},
		{"WWW.YOUTUBE.COM", "youtube"},
		{"player.vimeo.com", "vimeo"},
		{"f.vimeocdn.com", "vimeo"},
		{"scontent.cdninstagram.com", "instagram"},
		{"www.google.com", "google-maps"},
		{"example.com", ""},
	}
	for _, tt := range tests {
		s, ok := CatalogByHost(tt.host)
		if s.Tool.ID != tt.want || ok != (tt.want != "") {
			t.Errorf("CatalogByHost(%q) = %q, %v; want %q", tt.host, s.Tool.ID, ok, tt.want)
		}
	}
}

// TestCatalogCopies checks that what the catalogue hands out is a copy.
func TestCatalogCopies(t *testing.T) {
	s, _ := CatalogService("youtube")
	s.Tool.Hosts[0] = "changed.example"
	s.Tool.Name["en"] = "changed"
	again, _ := CatalogService("youtube")
	if again.Tool.Hosts[0] == "changed.example" || again.Tool.Name["en"] == "changed" {
		t.Error("changing a returned service changed the catalogue")
	}
}
