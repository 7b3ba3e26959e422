package analytics

import (
	"net/url"
	"strings"
	"testing"
)

// checkPayload fails t when an accepted payload holds something the
// collector promises never to store.
func checkPayload(t *testing.T, p payload) {
	t.Helper()
	switch {
	case p.name == "" || !validText(p.name, maxName):
		t.Errorf("accepted name %q", p.name)
	case !strings.HasPrefix(p.path, "/") && !strings.HasPrefix(p.path, "#") || !validText(p.path, maxPath+len("#")+maxBody):
		t.Errorf("accepted path %q", p.path)
	case len(strings.SplitN(p.path, "#", 2)[0]) > maxPath:
		t.Errorf("accepted a path of %d bytes", len(p.path))
	case p.hostname == "" || !validText(p.hostname, maxStoredText):
		t.Errorf("accepted hostname %q", p.hostname)
	case len(p.domains) == 0 || len(p.domains) > maxDomains:
		t.Errorf("accepted %d domains", len(p.domains))
	case len(p.props) > maxProps:
		t.Errorf("accepted %d props", len(p.props))
	case p.results < -1:
		t.Errorf("accepted results %d", p.results)
	case !validText(p.search, maxProp):
		t.Errorf("accepted search %q", p.search)
	}
	for k, v := range p.props {
		if k == "" || !validText(k, maxProp) || v == "" || !validText(v, maxProp) {
			t.Errorf("accepted prop %q: %q", k, v)
		}
	}
	if p.link != "" {
		u, err := url.Parse(p.link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			t.Errorf("accepted link %q", p.link)
		}
	}
	if (p.name == "outbound" || p.name == "download") && p.link == "" {
		t.Errorf("accepted a %s event without a link", p.name)
	}
}

// FuzzParsePayload feeds the body parser of POST /api/event arbitrary
// bytes: it must never panic, and what it accepts must be fit to store.
func FuzzParsePayload(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxBody {
			return
		}
		p, err := parsePayload(body)
		if err != nil {
			if err.status != 400 || err.reason == "" {
				t.Errorf("refusal %d %q", err.status, err.reason)
			}
			return
		}
		checkPayload(t, p)
	})
}

// FuzzParsePixel does the same for the pixel's query and Referer.
func FuzzParsePixel(f *testing.F) {
	f.Fuzz(func(t *testing.T, query, referer string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		p, rerr := parsePixel(q, referer)
		if rerr != nil {
			return
		}
		checkPayload(t, p)
	})
}
