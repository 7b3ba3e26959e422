package analytics

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/analytics/redact"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// TestRedactEventCoversEveryTextField puts an e-mail address in every
// text field of an event, property keys and values included: redactEvent
// must leave it in none but the fields Noren fills from its own short
// lists. A text field added to Event later fails here until it is either
// redacted or listed below.
func TestRedactEventCoversEveryTextField(t *testing.T) {
	const secret = "taro@mail.example.net"
	ownLists := map[string]bool{
		"Site": true, "Browser": true, "BrowserVersion": true, "OS": true, "Device": true,
		"Screen": true, "Language": true, "Country": true,
	}
	var e Event
	ev := reflect.ValueOf(&e).Elem()
	for i := range ev.NumField() {
		if f := ev.Field(i); f.Kind() == reflect.String {
			f.SetString("x " + secret + " y")
		}
	}
	e.Props = map[string]string{"email": secret, secret: "key"}

	n := redactEvent(&e)
	redacted := 0
	for i := range ev.NumField() {
		name, f := ev.Type().Field(i).Name, ev.Field(i)
		if f.Kind() != reflect.String {
			continue
		}
		if !ownLists[name] {
			redacted++
		}
		kept := strings.Contains(f.String(), secret)
		switch {
		case ownLists[name] && !kept:
			t.Errorf("%s, filled from Noren's own lists, was changed to %q", name, f.String())
		case !ownLists[name] && kept:
			t.Errorf("%s keeps %q", name, f.String())
		}
	}
	want := map[string]string{"email": "[email]", "[email]": "key"}
	if !reflect.DeepEqual(e.Props, want) {
		t.Errorf("props %v, want %v", e.Props, want)
	}
	// One in each redacted field, one prop value, one prop key.
	if want := (redact.Counts{redact.Email: redacted + 2}); n != want {
		t.Errorf("counted %v, want %v", n, want)
	}
}

// TestRedactPropsKeysThatCollide: two keys that redact to the same marker
// keep the value of the first in sorted order, whatever the map's order.
func TestRedactPropsKeysThatCollide(t *testing.T) {
	for range 20 {
		var n redact.Counts
		got := redactProps(map[string]string{"b@example.org": "second", "a@example.com": "first", "plan": "pro"}, &n)
		want := map[string]string{"[email]": "first", "plan": "pro"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("props %v, want %v", got, want)
		}
		if n[redact.Email] != 2 {
			t.Fatalf("counted %v, want 2 e-mail addresses", n)
		}
	}
}

// TestPersonalDataIsNotStored sends, through the collector's handler, an
// IP address, an e-mail address, phone numbers and user agents in every
// field a client controls (page path and host, hash-mode fragment, UTM
// parameters, referrer, custom properties, site search, outbound link,
// event name, the pixel's query), then reads every row the SQL store
// keeps, raw events and rollups: none of them is there, and the markers
// and counters say what was replaced.
func TestPersonalDataIsNotStored(t *testing.T) {
	const (
		ua    = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
		uaEnc = "Mozilla%2F5.0%20(X11%3B%20Linux%20x86_64%3B%20rv%3A133.0)%20Gecko%2F20100101%20Firefox%2F133.0"
		email = "taro@mail.example.net"
	)
	posts := []string{
		`{"name":"pageview","url":"https://example.com/user/192.168.1.1/?utm_source=taro%40mail.example.net&utm_medium=` + uaEnc + `&utm_campaign=090-1234-5678","domain":"example.com","referrer":"https://203.0.113.9/admin/?q=1"}`,
		`{"name":"pageview","url":"https://example.com/","domain":"example.com","referrer":"https://[2001:db8::9]/path/` + email + `"}`,
		`{"n":"pageview","u":"https://example.com/#/user/192.168.1.1","d":"example.com","h":1}`,
		`{"name":"pageview","url":"https://192.168.1.1/page","domain":"example.com"}`,
		`{"name":"Signup","url":"https://example.com/signup","domain":"example.com","props":{"email":"` + email + `","ip":"2001:db8::7","ua":"curl/8.1","` + email + `":"key","phone":"03-1234-5678","agent":"` + ua + `"}}`,
		`{"name":"search","url":"https://example.com/search?q=x","domain":"example.com","props":{"query":"電話 ０９０－１２３４－５６７８ ` + email + ` 192.168.1.1","results":3}}`,
		`{"name":"Outbound Link: Click","url":"https://example.com/","domain":"example.com","props":{"url":"https://198.51.100.7/user/` + email + `/?x=1"}}`,
		`{"name":"` + email + `","url":"https://example.com/","domain":"example.com"}`,
	}
	pixel := "/api/event.gif?d=example.com&u=https%3A%2F%2Fexample.com%2Fu%2F2001%3Adb8%3A%3A1%2F&r=https%3A%2F%2Fx.example%2Fua%2F" + uaEnc
	secrets := []string{
		"192.168.1.1", "203.0.113.9", "198.51.100.7", "2001:db8", "taro", "mail.example.net",
		"Mozilla", "X11", "Gecko", "Firefox", "curl", "1234", "１２３４",
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		s := newTestStore(t, db)
		h := newCollectorHarness(t, db, func(o *CollectorOptions) { o.Writer = s })
		for _, body := range posts {
			if rec := h.post(body); rec.Code != http.StatusAccepted {
				t.Fatalf("status %d %q for %s", rec.Code, rec.Body.String(), body)
			}
		}
		if rec := h.do(collectorRequest{method: http.MethodGet, target: pixel}); rec.Code != http.StatusOK {
			t.Fatalf("pixel: status %d %q", rec.Code, rec.Body.String())
		}
		h.flush()
		if err := rollUp(ctx, s, h.clock.now().Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}

		var stored strings.Builder
		for _, table := range []string{"analytics_events", "analytics_hourly", "analytics_daily"} {
			dumpTable(t, db, table, &stored)
		}
		dump := stored.String()
		for _, s := range secrets {
			if strings.Contains(dump, s) {
				t.Errorf("the store holds %q:\n%s", s, dump)
			}
		}
		for _, want := range []string{
			"/user/[ip]/", "/#/user/[ip]", "/u/[ip]/", "[ip]/admin", "[[ip]]/path/[email]",
			"https://[ip]/user/[email]/", "[ua]", "[number]", "電話 [number] [email] [ip]",
		} {
			if !strings.Contains(dump, want) {
				t.Errorf("the store holds no %q:\n%s", want, dump)
			}
		}
		for _, k := range redact.Kinds() {
			if got := h.metric("noren_analytics_redactions_total", k.String()); got == 0 {
				t.Errorf("no %s counted", k)
			}
		}
	})
}

// dumpTable writes every text value of every row of table to w.
func dumpTable(t *testing.T, db *store.DB, table string, w *strings.Builder) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		// Only text columns can carry what a client sent: the numbers are
		// visitor hashes and counts, whose digits could match a secret
		// by chance.
		for _, v := range vals {
			switch v := v.(type) {
			case []byte:
				fmt.Fprintf(w, "%s\t", v)
			case string:
				fmt.Fprintf(w, "%s\t", v)
			}
		}
		w.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestInvalidEventsAreRefusedWhoeverSendsThem: the body is validated
// before the sender is told apart, so a malformed event is refused with
// its reason whether a person, a crawler or a visitor who declined sends
// it; only a valid event from a crawler or a declined visitor is answered
// 202 and dropped.
func TestInvalidEventsAreRefusedWhoeverSendsThem(t *testing.T) {
	senders := []struct {
		name   string
		header map[string]string
		stored bool
	}{
		{"person", nil, true},
		{"Googlebot", map[string]string{"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}, false},
		{"curl", map[string]string{"User-Agent": "curl/8.5.0"}, false},
		{"no user agent", map[string]string{"User-Agent": ""}, false},
		{"prefetch", map[string]string{"Sec-Purpose": "prefetch"}, false},
		{"declined", map[string]string{"X-Declined": "yes"}, false},
	}
	requests := []struct {
		name   string
		req    collectorRequest
		status int
		reason string
	}{
		{"malformed body", collectorRequest{body: `{"name":`}, http.StatusBadRequest, "body is not a JSON object"},
		{"no name", collectorRequest{body: `{"url":"https://example.com/","domain":"example.com"}`}, http.StatusBadRequest, "name is missing"},
		{"unserved domain", collectorRequest{body: `{"name":"pageview","url":"https://example.com/","domain":"elsewhere.example"}`}, http.StatusBadRequest, "domain is not a site this collector serves"},
		{"pixel without page", collectorRequest{method: http.MethodGet, target: "/api/event.gif"}, http.StatusBadRequest, "url is missing"},
		{"valid", collectorRequest{body: `{"name":"pageview","url":"https://example.com/","domain":"example.com"}`}, http.StatusAccepted, "ok"},
		{"valid pixel", collectorRequest{method: http.MethodGet, target: "/api/event.gif?u=https%3A%2F%2Fexample.com%2F"}, http.StatusOK, ""},
	}
	for _, sender := range senders {
		t.Run(sender.name, func(t *testing.T) {
			h := newCollectorHarness(t, nil, func(o *CollectorOptions) {
				o.Allow = func(r *http.Request) bool { return r.Header.Get("X-Declined") == "" }
			})
			for _, tc := range requests {
				tc.req.header = sender.header
				rec := h.do(tc.req)
				body := strings.TrimSpace(rec.Body.String())
				if tc.status == http.StatusOK {
					body = ""
					if !bytes.Equal(rec.Body.Bytes(), transparentGIF) {
						body = "not the GIF"
					}
				}
				if rec.Code != tc.status || body != tc.reason {
					t.Errorf("%s: status %d %q, want %d %q", tc.name, rec.Code, body, tc.status, tc.reason)
				}
			}
			want := 0
			if sender.stored {
				want = 2
			}
			if got := len(h.flush()); got != want {
				t.Errorf("%d events stored, want %d", got, want)
			}
			if got := h.metric("noren_analytics_requests_total", outcomeInvalid); got != 4 {
				t.Errorf("invalid requests counted %v, want 4", got)
			}
		})
	}
}
