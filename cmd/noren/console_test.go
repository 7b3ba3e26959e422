package main

import (
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/admin"
	"github.com/noren-web/noren/internal/admin/admintest"
	"github.com/noren-web/noren/internal/config"
	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/page"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/web"
)

// consoleManifest is the console's test manifest, which has the form
// admintest assigns to handlers and contractors.
const consoleManifest = "../../internal/admin/testdata/manifest.yaml"

// servedConsole serves the console with the sections serve gives it, wired
// by serve's own steps with every part on: analytics, the vault and mail
// (the demo's key file and outbox, in a temporary folder).
func servedConsole(t *testing.T) *admintest.Harness {
	t.Helper()
	ctx := t.Context()
	m, err := manifest.Load(consoleManifest)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Site.Domain = admintest.Site
	a := &app{cfg: cfg, manifest: m, demo: true, db: storetest.SQLite(t), logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a.followManifest(ctx)
	if err := a.openStores(ctx, &environment{stderr: io.Discard}); err != nil {
		t.Fatal(err)
	}
	if a.chrome, err = page.NewChrome(web.Templates); err != nil {
		t.Fatal(err)
	}
	if a.live, err = startAnalytics(ctx, a.cfg, a.db, a.current, a.demo, prometheus.NewRegistry(), a.logger); err != nil {
		t.Fatal(err)
	}
	if a.live == nil {
		t.Fatal("analytics is off")
	}
	if err := a.startCSPReports(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.live.close(); err != nil {
			t.Error(err)
		}
	})
	opt, err := a.consoleOptions()
	if err != nil {
		t.Fatal(err)
	}
	return admintest.New(t, a.db, admintest.Setup{
		Manifest: consoleManifest,
		Sections: func(*admintest.Harness) []admin.Capability { return opt.Sections },
	})
}

// consoleRules lists, for every route of the console that needs a role,
// the roles that may use it. It is written out rather than derived from
// the permissions so that a change to either shows up here; a route
// missing from it fails the test.
var consoleRules = map[string][]account.Role{
	"GET /admin/{$}":                                  everyRole,
	"GET /admin/account":                              everyRole,
	"POST /admin/account/password":                    everyRole,
	"POST /admin/account/lang":                        everyRole,
	"GET /admin/account/totp":                         everyRole,
	"POST /admin/account/totp":                        everyRole,
	"POST /admin/account/totp/remove":                 everyRole,
	"POST /admin/account/passkeys/begin":              everyRole,
	"POST /admin/account/passkeys/finish":             everyRole,
	"POST /admin/account/passkeys/remove":             everyRole,
	"POST /admin/account/sessions/revoke":             everyRole,
	"GET /admin/account/tokens":                       everyRole,
	"POST /admin/account/tokens":                      everyRole,
	"POST /admin/account/tokens/{id}/revoke":          everyRole,
	"GET /admin/users":                                {account.Owner},
	"GET /admin/users/new":                            {account.Owner},
	"POST /admin/users":                               {account.Owner},
	"GET /admin/users/{id}":                           {account.Owner},
	"POST /admin/users/{id}":                          {account.Owner},
	"POST /admin/users/{id}/disable":                  {account.Owner},
	"POST /admin/users/{id}/enable":                   {account.Owner},
	"POST /admin/users/{id}/unlock":                   {account.Owner},
	"POST /admin/users/{id}/reset-password":           {account.Owner},
	"POST /admin/users/{id}/reset-second-factor":      {account.Owner},
	"POST /admin/users/{id}/revoke-sessions":          {account.Owner},
	"POST /admin/tokens/{id}/revoke":                  {account.Owner},
	"GET /admin/audit":                                {account.Owner, account.Auditor},
	"POST /admin/audit/export":                        {account.Owner, account.Auditor},
	"POST /admin/audit/verify":                        {account.Owner, account.Auditor},
	"GET /admin/consent":                              {account.Owner, account.Analyst},
	"POST /admin/consent/export":                      {account.Owner, account.Analyst},
	"GET /admin/api/consent":                          {account.Owner, account.Analyst},
	"GET /admin/search":                               {account.Owner, account.Analyst},
	"POST /admin/search/reindex":                      {account.Owner},
	"GET /admin/scans":                                {account.Owner, account.Auditor},
	"GET /admin/scans/{id}":                           {account.Owner, account.Auditor},
	"GET /admin/scans/{id}/diff":                      {account.Owner, account.Auditor},
	"GET /admin/scans/{id}/report.json":               {account.Owner, account.Auditor},
	"GET /admin/scans/{id}/report.html":               {account.Owner, account.Auditor},
	"POST /admin/scans/run":                           {account.Owner},
	"GET /admin/csp":                                  {account.Owner, account.Auditor},
	"GET /admin/mail":                                 {account.Owner, account.Auditor},
	"POST /admin/mail/{id}/retry":                     {account.Owner},
	"POST /admin/mail/{id}/discard":                   {account.Owner},
	"GET /admin/analytics":                            {account.Owner, account.Analyst},
	"GET /admin/analytics/export.csv":                 {account.Owner, account.Analyst},
	"GET /admin/analytics/realtime":                   {account.Owner, account.Analyst},
	"GET /admin/api/analytics/{site}/totals":          {account.Owner, account.Analyst},
	"GET /admin/api/analytics/{site}/series":          {account.Owner, account.Analyst},
	"GET /admin/api/analytics/{site}/top/{dimension}": {account.Owner, account.Analyst},
	"GET /admin/api/analytics/{site}/realtime":        {account.Owner, account.Analyst},
	"GET /admin/policy":                               {account.Owner, account.Analyst},
	"GET /admin/forms":                                {account.Owner, account.Handler, account.Contractor},
	"GET /admin/forms/{form}":                         {account.Owner, account.Handler, account.Contractor},
	"GET /admin/inbox":                                {account.Owner, account.Handler, account.Contractor},
	"GET /admin/inbox/{id}":                           {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/open":                     {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/status":                   {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/assign":                   {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/note":                     {account.Owner, account.Handler, account.Contractor},
	"POST /admin/inbox/{id}/reply":                    {account.Owner, account.Handler, account.Contractor},
	"GET /admin/requests":                             {account.Owner, account.Handler},
	"GET /admin/requests/{id}":                        {account.Owner, account.Handler},
	"POST /admin/requests/{id}/reveal":                {account.Owner, account.Handler},
	"POST /admin/requests/{id}/status":                {account.Owner, account.Handler},
	"POST /admin/requests/{id}/identity":              {account.Owner, account.Handler},
	"POST /admin/requests/{id}/extend":                {account.Owner, account.Handler},
	"POST /admin/requests/{id}/delete":                {account.Owner, account.Handler},
	"POST /admin/requests/{id}/disclose":              {account.Owner, account.Handler},
	"POST /admin/requests/{id}/export.json":           {account.Owner, account.Handler},
	"GET /admin/api/me":                               everyRole,
	"GET /admin/api/users":                            {account.Owner},
	"GET /admin/api/audit":                            {account.Owner, account.Auditor},
	"GET /admin/api/forms":                            {account.Owner, account.Handler, account.Contractor},
	"GET /admin/api/forms/{form}":                     {account.Owner, account.Handler, account.Contractor},
}

var everyRole = account.Roles()

// TestConsoleRoutes checks every route of the console as served: its
// rule, and what each role gets from it.
func TestConsoleRoutes(t *testing.T) {
	h := servedConsole(t)
	admintest.CheckRules(t, h, consoleRules)
	admintest.CheckAccess(t, h, nil)
}

var (
	menuHTML = regexp.MustCompile(`(?s)<nav class="console-nav".*?</nav>`)
	menuLink = regexp.MustCompile(`<li><a href="([^"]+)"`)
)

// TestConsolePages checks every page of the console as served that needs
// no record, and the order of the menu across the sections.
func TestConsolePages(t *testing.T) {
	h := servedConsole(t)
	// The pages of a submission, of a request and of a scan are checked
	// by their sections' tests, which make one.
	admintest.CheckPages(t, h, admintest.Targets{"/admin/inbox/{id}": "", "/admin/requests/{id}": "", "/admin/scans/{id}": ""})

	home := h.SignedIn(h.AddUser("menu@example.jp", account.Owner)).Get("/admin/")
	var menu []string
	for _, m := range menuLink.FindAllStringSubmatch(menuHTML.FindString(home.Body), -1) {
		menu = append(menu, m[1])
	}
	want := []string{"/admin/", "/admin/analytics", "/admin/inbox", "/admin/requests", "/admin/forms", "/admin/consent",
		"/admin/search", "/admin/scans", "/admin/csp", "/admin/mail", "/admin/policy", "/admin/users", "/admin/audit", "/admin/account"}
	if !slices.Equal(menu, want) {
		t.Errorf("the owner's menu is %v, want %v", menu, want)
	}
}

// TestConsentStatisticsInSiteZone checks that the consent statistics, in
// the console as served, count their days in the site's time zone (JST in
// the harness) and name it. The moment is chosen so that the day in Japan
// differs from the day in UTC.
func TestConsentStatisticsInSiteZone(t *testing.T) {
	h := servedConsole(t)
	records, err := consent.NewRecords(h.DB)
	if err != nil {
		t.Fatal(err)
	}
	// 15:30 UTC on 28 November is 00:30 on 29 November in Japan.
	at := time.Date(2026, 11, 28, 15, 30, 0, 0, time.UTC)
	if err := records.Add(t.Context(), consent.Record{Receipt: "ZoneZoneZoneZoneZone01", Given: at, PolicyHash: strings.Repeat("ab", 32),
		Version: "0123456789ab", Categories: map[string]bool{"analytics": true}, Tools: map[string]bool{}, Method: consent.MethodBanner,
		Kind: consent.KindAcceptAll, Lang: "ja"}); err != nil {
		t.Fatal(err)
	}
	owner := h.AddUser("owner@example.jp", account.Owner)
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Days begin at midnight, JST.", `<th scope="row">2026-11-28</th><td>0</td>`, `<th scope="row">2026-11-29</th><td>1</td>`}},
		{"ja", []string{"日付は日本時間で区切っています。"}},
	} {
		if err := h.Accounts.SetLang(t.Context(), owner.ID, tc.lang); err != nil {
			t.Fatal(err)
		}
		resp := h.SignedIn(owner).Get("/admin/consent")
		if resp.Status != http.StatusOK {
			t.Fatalf("%s: status %d", tc.lang, resp.Status)
		}
		for _, w := range tc.want {
			if !strings.Contains(resp.Body, w) {
				t.Errorf("%s: the statistics do not show %q", tc.lang, w)
			}
		}
		for _, never := range []string{" UTC", "（UTC）"} {
			if strings.Contains(resp.Body, never) {
				t.Errorf("%s: the statistics show %q", tc.lang, never)
			}
		}
	}
}
