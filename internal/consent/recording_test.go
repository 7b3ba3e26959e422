package consent_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/consent"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestBannerAndPageRecordAlike checks that the same decision made through
// POST /api/consent and through the choices form gives the same cookie and
// the same record, but for the receipt, the time and the method.
func TestBannerAndPageRecordAlike(t *testing.T) {
	hs := sqliteHarness(t)
	earlier := choiceOf(t, hs.do(t, apiRequest(`{"method":"banner","categories":{"preferences":true,"statistics":true,"analytics":true,"advertising":true,"embeds":true}}`)))
	tests := []struct {
		name   string
		api    string
		form   url.Values
		gpc    bool
		cookie string
	}{
		{
			name: "save",
			api:  `{"method":"preferences","lang":"en","categories":{"preferences":false,"analytics":true,"advertising":false,"embeds":true}}`,
			form: url.Values{"action": {"save"}, "category": {"analytics", "embeds"}},
		},
		{
			name: "save with GPC and an earlier choice",
			api:  `{"method":"preferences","lang":"en","categories":{"preferences":true,"analytics":true,"advertising":false,"embeds":false}}`,
			form: url.Values{"action": {"save"}, "category": {"analytics", "preferences"}},
			gpc:  true, cookie: earlier.CookieValue(),
		},
		{
			name: "accept all",
			api:  `{"method":"banner","lang":"en","categories":{"preferences":true,"statistics":true,"analytics":true,"advertising":true,"embeds":true}}`,
			form: url.Values{"action": {"accept_all"}},
		},
		{
			name: "accept all with GPC",
			api:  `{"method":"banner","lang":"en","categories":{"preferences":true,"statistics":true,"analytics":true,"advertising":true,"embeds":true}}`,
			form: url.Values{"action": {"accept_all"}},
			gpc:  true,
		},
		{
			name:   "reject all after an earlier choice",
			api:    `{"method":"banner","lang":"en","categories":{"preferences":false,"statistics":false,"analytics":false,"advertising":false,"embeds":false}}`,
			form:   url.Values{"action": {"reject_all"}},
			cookie: earlier.CookieValue(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prepare := func(r *http.Request) *http.Request {
				if tt.gpc {
					gpcHeader(r)
				}
				if tt.cookie != "" {
					withCookie(r, tt.cookie)
				}
				return r
			}
			fromAPI := hs.do(t, prepare(apiRequest(tt.api)))
			fromPage := hs.do(t, prepare(formRequest(hs.m, "en", tt.form)))
			if fromPage.StatusCode != http.StatusSeeOther {
				t.Fatalf("form: status %d: %s", fromPage.StatusCode, fromPage.body)
			}
			a, p := consentCookie(t, fromAPI), consentCookie(t, fromPage)
			if a.Path != p.Path || a.MaxAge != p.MaxAge || a.SameSite != p.SameSite || a.Secure != p.Secure || a.HttpOnly != p.HttpOnly {
				t.Errorf("cookie attributes differ:\n api %+v\nform %+v", a, p)
			}
			ca, cp := choiceOf(t, fromAPI), choiceOf(t, fromPage)
			if ca.Receipt == cp.Receipt {
				t.Error("two choices share a receipt")
			}
			cp.Receipt, cp.Given = ca.Receipt, ca.Given
			if cp.CookieValue() != ca.CookieValue() {
				t.Errorf("cookies differ beyond receipt and time:\n api %s\nform %s", ca.CookieValue(), cp.CookieValue())
			}
			ra, rp := mustGet(t, hs.recs, ca.Receipt), mustGet(t, hs.recs, choiceOf(t, fromPage).Receipt)
			if ra.Method == rp.Method || rp.Method != consent.MethodNoJS {
				t.Errorf("methods %q and %q", ra.Method, rp.Method)
			}
			rp.Receipt, rp.Given, rp.Method = ra.Receipt, ra.Given, ra.Method
			if !sameRecord(ra, rp) {
				t.Errorf("records differ beyond receipt, time and method:\n api %+v\nform %+v", ra, rp)
			}
		})
	}
}

// TestRecordsHoldNoAddressOrAgent posts choices from a distinctive address
// with a distinctive user agent, and looks for either in every column of
// every row and, on SQLite, in the bytes of the database file.
func TestRecordsHoldNoAddressOrAgent(t *testing.T) {
	const (
		address = "198.51.100.77"
		agent   = "NorenProbe/7.3 (distinctive-agent-string)"
	)
	needles := []string{address, agent, "distinctive-agent"}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		path := ""
		if db.Dialect() == store.SQLite {
			// Reopen on a file whose name is known, to read its bytes.
			dsn := storetest.FreshDSN(t, store.SQLite)
			var err error
			if db, err = store.Open(ctx, dsn); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			path = strings.TrimPrefix(dsn, "sqlite:")
		}
		hs := newHarness(t, db, siteManifest(t))
		stamp := func(r *http.Request) *http.Request {
			r.RemoteAddr = address + ":1234"
			r.Header.Set("User-Agent", agent)
			r.Header.Set("X-Forwarded-For", address)
			return r
		}
		first := hs.do(t, stamp(apiRequest(`{"method":"banner","categories":{"analytics":true}}`)))
		hs.do(t, stamp(withCookie(formRequest(hs.m, "ja", url.Values{"action": {"save"}, "category": {"embeds"}}), consentCookie(t, first).Value)))
		hs.do(t, gpcHeader(stamp(apiRequest(`{"method":"preferences","tools":{"youtube":true}}`))))

		rows, err := db.QueryContext(ctx, `SELECT * FROM consent_records`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
			values := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range values {
				ptrs[i] = &values[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range values {
				text := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					text = string(b)
				}
				for _, needle := range needles {
					if strings.Contains(text, needle) {
						t.Errorf("column %s holds %q: %s", cols[i], needle, text)
					}
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("%d records, want 3", n)
		}
		if path == "" {
			return
		}
		if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{path, path + "-wal", path + "-journal"} {
			data, err := os.ReadFile(file)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if file == path && !bytes.Contains(data, []byte(choiceOf(t, first).Receipt)) {
				t.Fatalf("%s does not hold the receipt, so the search proves nothing", file)
			}
			for _, needle := range needles {
				if bytes.Contains(data, []byte(needle)) {
					t.Errorf("%s holds %q", file, needle)
				}
			}
		}
	})
}

// TestRecordColumns pins the columns of consent_records, so that a column
// added later is a deliberate change to what is stored.
func TestRecordColumns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rows, err := db.QueryContext(context.Background(), `SELECT * FROM consent_records`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"receipt", "prev_receipt", "given_at", "policy_hash", "consent_version", "categories", "tools", "method", "gpc", "kind", "lang"}
		if !maps.Equal(setOf(cols), setOf(want)) || len(cols) != len(want) {
			t.Errorf("columns %q, want %q", cols, want)
		}
	})
}

func setOf(items []string) map[string]bool {
	s := map[string]bool{}
	for _, i := range items {
		s[i] = true
	}
	return s
}
