package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultPermissionsPolicy turns off the powerful browser features a public
// website has no use for, and opts out of the browser's ad-interest and
// ad-measurement features.
const DefaultPermissionsPolicy = "accelerometer=(), ambient-light-sensor=(), attribution-reporting=(), " +
	"bluetooth=(), browsing-topics=(), camera=(), display-capture=(), " +
	"geolocation=(), gyroscope=(), hid=(), identity-credentials-get=(), " +
	"idle-detection=(), join-ad-interest-group=(), local-fonts=(), magnetometer=(), " +
	"microphone=(), midi=(), otp-credentials=(), payment=(), " +
	"publickey-credentials-create=(), publickey-credentials-get=(), run-ad-auction=(), " +
	"screen-wake-lock=(), serial=(), storage-access=(), usb=(), window-management=(), " +
	"xr-spatial-tracking=()"

// HeaderPolicy configures the security headers sent with every response.
type HeaderPolicy struct {
	// FrameAncestors lists who may embed the site in a frame, as CSP
	// frame-ancestors sources. The keywords may be written without quotes
	// (none, self). Empty means 'none'.
	FrameAncestors []string
	// CSPExtra adds sources to Content-Security-Policy directives, for sites
	// that load resources from elsewhere. See CheckCSPExtra for what is
	// refused.
	CSPExtra map[string][]string
	// CSPSources adds sources after CSPExtra that may change while the
	// server runs, such as the hosts of the tools the manifest declares.
	// Nil means none.
	CSPSources *CSPSources
	// CSPReportOnly sends the public pages' policy as
	// Content-Security-Policy-Report-Only: browsers report what it would
	// block and block nothing, for a site's first deployment behind Noren.
	// The console and DataPaths keep enforcing theirs.
	CSPReportOnly bool
	// PermissionsPolicy is the Permissions-Policy header value. Empty means
	// DefaultPermissionsPolicy.
	PermissionsPolicy string
	// TLS marks a site served over HTTPS: the CSP then asks browsers to
	// upgrade insecure subresource requests, and responses to requests that
	// arrived over TLS carry Strict-Transport-Security.
	TLS bool
	// HSTSMaxAge is the Strict-Transport-Security max-age, in whole seconds.
	HSTSMaxAge time.Duration
	// HSTSIncludeSubdomains extends HSTS to every subdomain.
	HSTSIncludeSubdomains bool
	// DataPaths are paths that answer with data, never a document, such
	// as the analytics collector's. Their responses get a fixed policy
	// that lets them load and frame nothing (default-src 'none') and no
	// nonce, which they have no use for: they come by the thousand.
	DataPaths []string
	// CSPReportPath, when set, is where the public pages' policy has
	// browsers report what it blocks: report-uri names it, and on
	// responses to requests that came over TLS so do report-to and a
	// Reporting-Endpoints header. Chromium processes Reporting-Endpoints
	// only on HTTPS responses, and once a policy has report-to it ignores
	// report-uri, so over plain HTTP report-to would silence it. The
	// console's and DataPaths' policies never report.
	CSPReportPath string
	// ConsolePrefix is the path prefix of the administration console,
	// such as /admin/. Its responses get a policy of their own, the
	// site's origin and the nonce and nothing else: the sources that
	// CSPExtra and CSPSources add for the site's tools are refused there,
	// so a host trusted for the public pages never runs code or receives
	// data in the console, and no page may frame it. Empty means none.
	ConsolePrefix string
}

// dataCSP is the Content-Security-Policy of responses to DataPaths.
const dataCSP = "default-src 'none'; frame-ancestors 'none'"

// consoleDirectives is the console's policy before the nonce is set. The
// console loads its scripts, styles and images from the site's origin and
// draws its QR codes and charts as inline SVG, so it needs nothing more.
var consoleDirectives = [][]string{
	{"default-src", "'self'"},
	{"script-src", "'self'", "'nonce-" + noncePlaceholder + "'"},
	{"style-src", "'self'", "'nonce-" + noncePlaceholder + "'"},
	{"img-src", "'self'"},
	{"font-src", "'self'"},
	{"connect-src", "'self'"},
	{"object-src", "'none'"},
	{"base-uri", "'none'"},
	{"form-action", "'self'"},
	{"frame-ancestors", "'none'"},
}

// inConsole reports whether path is the console's, under prefix.
func inConsole(prefix, path string) bool {
	return prefix != "" && (strings.HasPrefix(path, prefix) || path == strings.TrimSuffix(prefix, "/"))
}

// extendableDirectives lists the directives CSPExtra may extend. The
// others are fixed: default-src, object-src and base-uri guard the policy
// itself, and frame-ancestors has its own setting.
const extendableDirectives = "script-src, style-src, img-src, font-src, connect-src, " +
	"media-src, frame-src, worker-src, manifest-src, form-action"

func isExtendable(directive string) bool {
	switch directive {
	case "script-src", "style-src", "img-src", "font-src", "connect-src",
		"media-src", "frame-src", "worker-src", "manifest-src", "form-action":
		return true
	}
	return false
}

// CheckCSPExtra reports every problem with extra CSP sources: unknown or
// fixed directives, sources that are not a single CSP source expression,
// and sources that would let injected code run. Scripts may never be given
// 'unsafe-inline', 'unsafe-eval', a wildcard or a whole scheme; inline
// styles are refused too, since the nonce makes browsers ignore
// 'unsafe-inline' anyway.
func CheckCSPExtra(extra map[string][]string) error {
	var errs []error
	for _, directive := range sortedKeys(extra) {
		if !isExtendable(directive) {
			errs = append(errs, fmt.Errorf("directive %q cannot be extended (allowed: %s)", directive, extendableDirectives))
			continue
		}
		for _, src := range extra[directive] {
			if err := checkSource(directive, src); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", directive, err))
			}
		}
	}
	return errors.Join(errs...)
}

func checkSource(directive, src string) error {
	if err := checkSourceSyntax(src); err != nil {
		return err
	}
	lower := strings.ToLower(src)
	switch {
	case strings.HasPrefix(lower, "'unsafe-"), lower == "'wasm-unsafe-eval'":
		return fmt.Errorf("source %s is refused: it lets injected code run", src)
	case lower == "'none'":
		return fmt.Errorf("source 'none' cannot be added to other sources")
	case lower == "'strict-dynamic'" && directive != "script-src":
		return fmt.Errorf("source 'strict-dynamic' only applies to script-src")
	}
	if directive == "script-src" || directive == "worker-src" {
		if lower == "*" || isSchemeSource(lower) {
			return fmt.Errorf("source %s is refused for %s: it allows scripts from anywhere", src, directive)
		}
	}
	return nil
}

// checkSourceSyntax accepts one CSP source expression: a quoted keyword,
// hash or nonce, a scheme ("https:"), or a host source with optional scheme,
// port and path. Anything that could end the directive or the header is
// refused.
func checkSourceSyntax(src string) error {
	if src == "" {
		return errors.New("empty source")
	}
	for _, c := range src {
		if c <= ' ' || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\' {
			return fmt.Errorf("source %q is not a single CSP source expression", src)
		}
	}
	if strings.HasPrefix(src, "'") {
		if len(src) < 3 || !strings.HasSuffix(src, "'") || strings.Count(src, "'") != 2 {
			return fmt.Errorf("source %q: unbalanced quotes", src)
		}
		return nil
	}
	if strings.Contains(src, "'") {
		return fmt.Errorf("source %q: a quote inside a host source", src)
	}
	return nil
}

// isSchemeSource reports whether src names a whole scheme, like "https:".
func isSchemeSource(src string) bool {
	scheme, rest, ok := strings.Cut(src, ":")
	return ok && rest == "" && scheme != ""
}

// CheckFrameAncestors reports problems with frame-ancestors sources.
func CheckFrameAncestors(sources []string) error {
	var errs []error
	norm := normalizeKeywords(sources)
	for _, src := range norm {
		if err := checkSourceSyntax(src); err != nil {
			errs = append(errs, err)
			continue
		}
		if strings.HasPrefix(strings.ToLower(src), "'unsafe-") || strings.HasPrefix(src, "'nonce-") || strings.HasPrefix(src, "'sha") {
			errs = append(errs, fmt.Errorf("source %s does not apply to frame-ancestors", src))
		}
	}
	if slices.Contains(norm, "'none'") && len(norm) > 1 {
		errs = append(errs, errors.New("'none' must stand alone"))
	}
	return errors.Join(errs...)
}

// CheckPermissionsPolicy reports a Permissions-Policy value that is not a
// comma-separated list of feature=allowlist items.
func CheckPermissionsPolicy(v string) error {
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		feature, allow, ok := strings.Cut(item, "=")
		if !ok || feature == "" || allow == "" {
			return fmt.Errorf("item %q: want feature=allowlist, such as camera=()", item)
		}
		for _, c := range feature {
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return fmt.Errorf("item %q: bad feature name", item)
			}
		}
		for _, c := range allow {
			if c < ' ' || c >= 0x7f || c == ',' || c == ';' {
				return fmt.Errorf("item %q: bad character in allowlist", item)
			}
		}
	}
	return nil
}

// normalizeKeywords quotes the CSP keywords that configuration files tend to
// write bare.
func normalizeKeywords(sources []string) []string {
	out := make([]string, 0, len(sources))
	for _, s := range sources {
		switch strings.ToLower(s) {
		case "none", "self":
			s = "'" + strings.ToLower(s) + "'"
		}
		out = append(out, s)
	}
	return out
}

type nonceKey struct{}

// Nonce returns the CSP nonce of the request, set by the SecurityHeaders
// middleware. Inline <script> and <style> elements must carry it as their
// nonce attribute to run. It is empty without the middleware.
func Nonce(r *http.Request) string {
	return NonceFromContext(r.Context())
}

// NonceFromContext returns the CSP nonce stored in ctx, or "".
func NonceFromContext(ctx context.Context) string {
	n, _ := ctx.Value(nonceKey{}).(string)
	return n
}

// WithNonce returns a copy of ctx carrying nonce, for handlers tested
// without the middleware.
func WithNonce(ctx context.Context, nonce string) context.Context {
	return context.WithValue(ctx, nonceKey{}, nonce)
}

// newNonce returns 128 random bits, base64-encoded.
func newNonce() string {
	var b [16]byte
	// crypto/rand.Read never fails; it crashes the program instead.
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// SecurityHeaders returns middleware that gives each request a fresh CSP
// nonce and sets the security headers on every response before the handler
// runs, so that handlers see them and may adjust them. It refuses a policy
// that fails CheckCSPExtra, CheckFrameAncestors or CheckPermissionsPolicy.
func SecurityHeaders(p HeaderPolicy) (Middleware, error) {
	frame := normalizeKeywords(p.FrameAncestors)
	if len(frame) == 0 {
		frame = []string{"'none'"}
	}
	permissions := p.PermissionsPolicy
	if permissions == "" {
		permissions = DefaultPermissionsPolicy
	}
	if err := errors.Join(
		wrapErr("csp extra", CheckCSPExtra(p.CSPExtra)),
		wrapErr("frame ancestors", CheckFrameAncestors(frame)),
		wrapErr("permissions policy", CheckPermissionsPolicy(permissions)),
	); err != nil {
		return nil, fmt.Errorf("server: security headers: %w", err)
	}
	if p.HSTSMaxAge < 0 {
		return nil, fmt.Errorf("server: security headers: negative HSTS max-age %v", p.HSTSMaxAge)
	}
	reportURI, reportTo, endpoints, err := cspReporting(p.CSPReportPath)
	if err != nil {
		return nil, fmt.Errorf("server: security headers: %w", err)
	}

	csp := &cspPolicy{frame: frame, extra: p.CSPExtra, tls: p.TLS, sources: p.CSPSources}
	csp.template() // rendered now, not by the first request
	consoleCSP := renderDirectives(consoleDirectives, p.TLS)
	frameOptions := frameOptionsFor(frame)
	publicCSP := "Content-Security-Policy"
	if p.CSPReportOnly {
		publicCSP = "Content-Security-Policy-Report-Only"
	}
	hsts := ""
	if p.TLS {
		hsts = "max-age=" + strconv.FormatInt(int64(p.HSTSMaxAge/time.Second), 10)
		if p.HSTSIncludeSubdomains {
			hsts += "; includeSubDomains"
		}
	}

	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			if hsts != "" && r.TLS != nil {
				h.Set("Strict-Transport-Security", hsts)
			}
			if slices.Contains(p.DataPaths, r.URL.Path) {
				h.Set("Content-Security-Policy", dataCSP)
				next.ServeHTTP(w, r)
				return
			}
			nonce := newNonce()
			h.Set("Permissions-Policy", permissions)
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if inConsole(p.ConsolePrefix, r.URL.Path) {
				h.Set("Content-Security-Policy", consoleCSP.render(nonce))
				h.Set("X-Frame-Options", "DENY")
			} else {
				policy := csp.template().render(nonce) + reportURI
				if reportTo != "" && r.TLS != nil {
					policy += reportTo
					h.Set("Reporting-Endpoints", endpoints)
				}
				h.Set(publicCSP, policy)
				if frameOptions != "" {
					h.Set("X-Frame-Options", frameOptions)
				}
			}
			next.ServeHTTP(w, r.WithContext(WithNonce(r.Context(), nonce)))
		})
	}, nil
}

// cspReportGroup is the Reporting API endpoint name the public policy's
// report-to names.
const cspReportGroup = "noren-csp"

// cspReporting returns what the public policy gains to report to path:
// the report-uri directive, the report-to directive and the
// Reporting-Endpoints header's value. The endpoint's URL is relative,
// which the Reporting API resolves against the page, so it fits every
// host the site answers at. An empty path means no reporting.
func cspReporting(path string) (reportURI, reportTo, endpoints string, err error) {
	if path == "" {
		return "", "", "", nil
	}
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return "", "", "", fmt.Errorf("csp report path %q: want a path starting with /", path)
	}
	for _, c := range path {
		if c <= ' ' || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\' || c == '\'' {
			return "", "", "", fmt.Errorf("csp report path %q: character %q is not allowed", path, c)
		}
	}
	return "; report-uri " + path, "; report-to " + cspReportGroup, cspReportGroup + `="` + path + `"`, nil
}

func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// frameOptionsFor returns the X-Frame-Options value that matches
// frame-ancestors, for browsers that predate it. A list naming other origins
// has no X-Frame-Options equivalent, so the header is left out and CSP alone
// decides.
func frameOptionsFor(frame []string) string {
	switch {
	case len(frame) == 1 && frame[0] == "'none'":
		return "DENY"
	case len(frame) == 1 && frame[0] == "'self'":
		return "SAMEORIGIN"
	}
	return ""
}

// cspTemplate is a Content-Security-Policy split around the places the
// per-request nonce goes, so that rendering it is one join.
type cspTemplate struct {
	parts []string
}

const noncePlaceholder = "\x00nonce\x00"

func newCSPTemplate(frame []string, extra map[string][]string, tls bool) cspTemplate {
	nonce := "'nonce-" + noncePlaceholder + "'"
	directives := [][]string{
		{"default-src", "'self'"},
		{"script-src", "'self'", nonce},
		{"style-src", "'self'", nonce},
		{"img-src", "'self'", "data:"},
		{"font-src", "'self'"},
		{"connect-src", "'self'"},
		{"object-src", "'none'"},
		{"base-uri", "'self'"},
		{"form-action", "'self'"},
		append([]string{"frame-ancestors"}, frame...),
	}
	// Directives absent from the base policy fall back to default-src 'self',
	// so extending one starts from 'self'.
	for _, name := range sortedKeys(extra) {
		i := slices.IndexFunc(directives, func(d []string) bool { return d[0] == name })
		if i < 0 {
			directives = append(directives, []string{name, "'self'"})
			i = len(directives) - 1
		}
		for _, src := range extra[name] {
			if !slices.Contains(directives[i][1:], src) {
				directives[i] = append(directives[i], src)
			}
		}
	}
	return renderDirectives(directives, tls)
}

// renderDirectives joins a policy's directives into a template, asking
// browsers over TLS to upgrade insecure subresource requests.
func renderDirectives(directives [][]string, tls bool) cspTemplate {
	rendered := make([]string, 0, len(directives)+1)
	for _, d := range directives {
		rendered = append(rendered, strings.Join(d, " "))
	}
	if tls {
		rendered = append(rendered, "upgrade-insecure-requests")
	}
	return cspTemplate{parts: strings.Split(strings.Join(rendered, "; "), noncePlaceholder)}
}

func (t cspTemplate) render(nonce string) string {
	return strings.Join(t.parts, nonce)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
