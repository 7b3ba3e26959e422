package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
)

// MaxEntries bounds the reports one request may carry. Chromium sends a
// few at a time; a longer array is refused whole rather than counted in
// part, so that one request never counts more than this.
const MaxEntries = 100

// Violation is what a report says, reduced to the three fields Noren
// reads from it. Everything else a browser sends (its user agent, the
// referrer, a sample of the code, line and column, the policy) is dropped
// while parsing and never reaches the counters.
type Violation struct {
	// DocumentURL is the page the violation happened on.
	DocumentURL string
	// BlockedURL is what was blocked: a URL, or a keyword such as
	// "inline" or "eval".
	BlockedURL string
	// Directive is the effective directive, or failing that the first
	// word of the violated one.
	Directive string
}

// Media types of CSP reports.
const (
	// TypeCSPReport is report-uri's format: one object under "csp-report".
	TypeCSPReport = "application/csp-report"
	// TypeReports is the Reporting API's: an array of reports.
	TypeReports = "application/reports+json"
	// TypeJSON is accepted in either shape, for browsers and proxies
	// that label them so.
	TypeJSON = "application/json"
)

// ErrMediaType says a request's Content-Type is none of the report types.
var ErrMediaType = errors.New("not a CSP report media type")

// legacyReport is the body report-uri sends.
type legacyReport struct {
	Report *struct {
		DocumentURI        string `json:"document-uri"`
		BlockedURI         string `json:"blocked-uri"`
		EffectiveDirective string `json:"effective-directive"`
		ViolatedDirective  string `json:"violated-directive"`
	} `json:"csp-report"`
}

// apiReport is one entry of a Reporting API delivery.
type apiReport struct {
	Type string `json:"type"`
	URL  string `json:"url"`
	Body *struct {
		DocumentURL        string `json:"documentURL"`
		BlockedURL         string `json:"blockedURL"`
		EffectiveDirective string `json:"effectiveDirective"`
	} `json:"body"`
}

// Parse reads the violations of a report body sent with contentType.
// Reporting API entries of other types (deprecation, intervention…) are
// skipped; a body that is not JSON of either shape, an entry without a
// document, or more than MaxEntries entries is an error whose text is
// short enough to answer with.
func Parse(contentType string, body []byte) ([]Violation, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrMediaType, contentType)
	}
	body = bytes.TrimSpace(body)
	switch mt {
	case TypeCSPReport:
		return parseLegacy(body)
	case TypeReports:
		return parseAPI(body)
	case TypeJSON:
		if len(body) > 0 && body[0] == '[' {
			return parseAPI(body)
		}
		return parseLegacy(body)
	}
	return nil, fmt.Errorf("%w: %s", ErrMediaType, mt)
}

func parseLegacy(body []byte) ([]Violation, error) {
	var r legacyReport
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, errors.New("not a csp-report object")
	}
	if r.Report == nil {
		return nil, errors.New(`no "csp-report" member`)
	}
	v := Violation{DocumentURL: r.Report.DocumentURI, BlockedURL: r.Report.BlockedURI,
		Directive: directiveOf(r.Report.EffectiveDirective, r.Report.ViolatedDirective)}
	if v.DocumentURL == "" {
		return nil, errors.New("no document-uri")
	}
	return []Violation{v}, nil
}

func parseAPI(body []byte) ([]Violation, error) {
	// The array is counted before its entries are decoded, so that a
	// long one costs no more than a scan of its bytes.
	n, err := countEntries(body)
	if err != nil {
		return nil, errors.New("not an array of reports")
	}
	if n > MaxEntries {
		return nil, fmt.Errorf("%d reports in one request, at most %d", n, MaxEntries)
	}
	var entries []apiReport
	if err := json.Unmarshal(body, &entries); err != nil {
		return nil, errors.New("not an array of reports")
	}
	out := make([]Violation, 0, len(entries))
	for _, e := range entries {
		if e.Type != "csp-violation" {
			continue
		}
		if e.Body == nil {
			return nil, errors.New("a csp-violation without a body")
		}
		v := Violation{DocumentURL: e.Body.DocumentURL, BlockedURL: e.Body.BlockedURL, Directive: directiveOf(e.Body.EffectiveDirective, "")}
		if v.DocumentURL == "" {
			v.DocumentURL = e.URL
		}
		if v.DocumentURL == "" {
			return nil, errors.New("a csp-violation without a documentURL")
		}
		out = append(out, v)
	}
	return out, nil
}

// countEntries counts the elements of the JSON array body without
// decoding them.
func countEntries(body []byte) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	t, err := dec.Token()
	if err != nil {
		return 0, err
	}
	if d, ok := t.(json.Delim); !ok || d != '[' {
		return 0, errors.New("not an array")
	}
	n := 0
	for dec.More() {
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, err
		}
		n++
		if n > MaxEntries {
			return n, nil
		}
	}
	return n, nil
}

// directiveOf is the effective directive, or the directive name that
// starts the violated one: older browsers send the whole directive there,
// sources included.
func directiveOf(effective, violated string) string {
	if effective != "" {
		return effective
	}
	name, _, _ := bytes.Cut([]byte(violated), []byte(" "))
	return string(name)
}
