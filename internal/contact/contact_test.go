package contact

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

var thanksLocation = regexp.MustCompile(`^/(ja|en)/contact/thanks\?ref=(C-[0-9]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})$`)

// reference checks that res is the redirect to the thank-you page and
// returns its reference.
func reference(t *testing.T, res response) string {
	t.Helper()
	if res.status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303; body:\n%s", res.status, res.body)
	}
	m := thanksLocation.FindStringSubmatch(res.header.Get("Location"))
	if m == nil || !validReference(m[2]) {
		t.Fatalf("Location %q is not the thank-you page with a reference", res.header.Get("Location"))
	}
	return m[2]
}

// checkNoPersonalData fails if s contains anything the person wrote.
func checkNoPersonalData(t *testing.T, what, s string) {
	t.Helper()
	for _, v := range goodForm() {
		if v[0] != "yes" && strings.Contains(s, v[0]) {
			t.Errorf("%s contains the submitted value %q", what, v[0])
		}
	}
	for _, addr := range []string{"127.0.0.1", "203.0.113."} {
		if strings.Contains(s, addr) {
			t.Errorf("%s contains the client address %q", what, addr)
		}
	}
}

func TestSubmitWithProofOfWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs := newHarness(t, db)
		ref := reference(t, hs.post("/en/contact", hs.fill("en", goodForm(), true)))

		var r struct {
			form, vaultID, version, hash, lang, status string
			assigned                                   *int64
			created, expires                           time.Time
		}
		err := db.QueryRowContext(context.Background(),
			`SELECT form, vault_id, policy_version, policy_hash, lang, status, assigned_to, created_at, expires_at FROM contact_submissions WHERE reference = $1`, ref).
			Scan(&r.form, &r.vaultID, &r.version, &r.hash, &r.lang, &r.status, &r.assigned, &r.created, &r.expires)
		if err != nil {
			t.Fatal(err)
		}
		if r.form != "contact" || r.version != hs.m.VersionLabel() || r.hash != hs.m.Hash() || r.lang != "en" || r.status != "new" || r.assigned != nil {
			t.Errorf("row = %+v", r)
		}
		if want := hs.clock.Now().AddDate(1, 0, 0); !r.expires.Equal(want) {
			t.Errorf("expires %v, want %v (a year, the form's retention)", r.expires, want)
		}

		rec, err := hs.vault.Open(context.Background(), r.vaultID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Kind != VaultKind || rec.Form != "contact" || rec.Subject != "hanako.yamada@example.jp" {
			t.Errorf("vault record %+v", rec.Meta)
		}
		var values map[string]string
		if err := json.Unmarshal(rec.Data, &values); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"name": "山田 花子", "email": "hanako.yamada@example.jp",
			"organisation": "Bay Robotics", "topic": "programme", "message": "Could we meet next week?\nThank you.", "reply": ""}
		for k, v := range want {
			if values[k] != v {
				t.Errorf("vault data %s = %q, want %q", k, values[k], v)
			}
		}
		if _, ok := values["phone"]; ok {
			t.Error("the main record holds the phone number, which is kept for less time")
		}

		// The phone number, kept 6 months, is sealed in a part of its own.
		var (
			partID, fields string
			partExpires    time.Time
		)
		err = db.QueryRowContext(context.Background(), `SELECT p.vault_id, p.expires_at, p.fields FROM contact_submission_parts p
			JOIN contact_submissions s ON s.id = p.submission_id WHERE s.reference = $1`, ref).Scan(&partID, &partExpires, &fields)
		if err != nil {
			t.Fatal(err)
		}
		if want := hs.clock.Now().AddDate(0, 6, 0); !partExpires.Equal(want) || fields != "phone" {
			t.Errorf("part expires %v holding %q, want %v holding phone", partExpires, fields, want)
		}
		part, err := hs.vault.Open(context.Background(), partID)
		if err != nil {
			t.Fatal(err)
		}
		if part.Kind != PartKind || part.Form != "contact" || part.Subject != "hanako.yamada@example.jp" || !part.Expires.Equal(partExpires) {
			t.Errorf("part record %+v, subject %q", part.Meta, part.Subject)
		}
		var partValues map[string]string
		if err := json.Unmarshal(part.Data, &partValues); err != nil {
			t.Fatal(err)
		}
		if len(partValues) != 1 || partValues["phone"] != "03-1234-5678" {
			t.Errorf("part data %v, want only the phone number", partValues)
		}
		checkNoPersonalData(t, "the log", hs.logs.String())
	})
}

func TestNoScriptFallback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs := newHarness(t, db)
		form := hs.fill("ja", goodForm(), false)
		wait := hs.post("/ja/contact", form)
		if wait.status != http.StatusOK || !strings.Contains(wait.body, "送信内容の確認") {
			t.Fatalf("status %d, want the confirmation page:\n%s", wait.status, wait.body)
		}
		if hs.count("contact_submissions") != 0 {
			t.Fatal("stored before the confirmation")
		}
		// The confirmation page carries everything written.
		next := hiddenInputs(t, wait.body)
		for k, v := range goodForm() {
			want := strings.ReplaceAll(v[0], "\r\n", "\n")
			if next.Get(k) != want {
				t.Errorf("hidden %s = %q, want %q", k, next.Get(k), want)
			}
		}

		early := hs.post("/ja/contact", next)
		if early.status != http.StatusOK || !strings.Contains(early.body, "まだ送信できません") {
			t.Fatalf("pressed too early: status %d, want the page asking to wait:\n%s", early.status, early.body)
		}
		hs.clock.Advance(10 * time.Second)
		reference(t, hs.post("/ja/contact", next))
		if n := hs.count("contact_submissions"); n != 1 {
			t.Errorf("%d submissions stored, want 1", n)
		}

		// "Change" goes back to the form with the values.
		edit := hiddenInputs(t, wait.body)
		edit.Set("edit", "1")
		back := hs.post("/ja/contact", edit)
		if back.status != http.StatusOK || !strings.Contains(back.body, `value="Bay Robotics"`) || strings.Contains(back.body, "error-summary") {
			t.Errorf("Change: status %d, want the form with the values and no errors:\n%s", back.status, back.body)
		}
	})
}

var hiddenPattern = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hiddenInputs returns the hidden inputs of a page, unescaped.
func hiddenInputs(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenPattern.FindAllStringSubmatch(body, -1) {
		v.Add(m[1], htmlUnescape(m[2]))
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&#43;", "+", "&#10;", "\n", "&#13;", "\r", "&amp;", "&").Replace(s)
}

func TestSpamDefences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs := newHarness(t, db)
		page := hs.get("/en/contact")
		token := challengeOf(t, page.body)

		t.Run("honeypot", func(t *testing.T) {
			form := hs.fill("en", goodForm(), true)
			form.Set(honeypotInput, "https://spam.example")
			reference(t, hs.post("/en/contact", form))
			if n := hs.count("contact_submissions") + hs.count("vault_records"); n != 0 {
				t.Errorf("%d rows stored for a filled honeypot, want none", n)
			}
		})
		t.Run("too fast", func(t *testing.T) {
			form := goodForm()
			form.Set(tokenInput, challengeOf(t, hs.get("/en/contact").body))
			res := hs.post("/en/contact", form)
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, "sent too quickly") {
				t.Errorf("status %d, want 400 saying it was too quick:\n%s", res.status, res.body)
			}
		})
		t.Run("bad challenge", func(t *testing.T) {
			form := hs.fill("en", goodForm(), true)
			form.Set(tokenInput, token[:len(token)-2]+"AA")
			res := hs.post("/en/contact", form)
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, "could not be verified") {
				t.Errorf("status %d, want 400 saying the form could not be verified:\n%s", res.status, res.body)
			}
		})
		t.Run("wrong proof of work", func(t *testing.T) {
			form := hs.fill("en", goodForm(), false)
			form.Set(powInput, "x1")
			res := hs.post("/en/contact", form)
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, "check that this form comes from a browser") {
				t.Errorf("status %d, want 400 about the failed check:\n%s", res.status, res.body)
			}
		})
		t.Run("expired challenge", func(t *testing.T) {
			form := hs.fill("en", goodForm(), true)
			hs.clock.Advance(31 * time.Minute)
			res := hs.post("/en/contact", form)
			if res.status != http.StatusBadRequest || !strings.Contains(res.body, "open for more than 30 minutes") {
				t.Errorf("status %d, want 400 about the expired form:\n%s", res.status, res.body)
			}
		})
		t.Run("replayed challenge", func(t *testing.T) {
			form := hs.fill("en", goodForm(), true)
			reference(t, hs.post("/en/contact", form))
			res := hs.post("/en/contact", form)
			if res.status != http.StatusConflict || !strings.Contains(res.body, "already been sent") {
				t.Errorf("status %d, want 409 saying it was already sent:\n%s", res.status, res.body)
			}
			if n := hs.count("contact_submissions"); n != 1 {
				t.Errorf("%d submissions stored, want 1", n)
			}
			if n := hs.count("vault_records"); n != 2 {
				t.Errorf("%d vault records, want 2 (the submission and its part)", n)
			}
		})
		if n := hs.count("contact_submissions"); n != 1 {
			t.Errorf("%d submissions stored in all, want only the one sent properly", n)
		}
		checkNoPersonalData(t, "the log", hs.logs.String())
	})
}

func TestRateLimit(t *testing.T) {
	db := storetest.SQLite(t)
	hs := newHarness(t, db, func(o *Options) { o.RateLimit = 3 })
	hs.from = "203.0.113.7"
	for range 3 {
		reference(t, hs.post("/en/contact", hs.fill("en", goodForm(), true)))
	}
	hs.from = "203.0.113.200" // the same /24
	res := hs.post("/en/contact", hs.fill("en", goodForm(), true))
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" || !strings.Contains(res.body, "Please wait before sending again") {
		t.Errorf("status %d, want 429 with Retry-After and an explanation:\n%s", res.status, res.body)
	}
	hs.from = "198.51.100.1"
	reference(t, hs.post("/en/contact", hs.fill("en", goodForm(), true)))
	hs.clock.Advance(11 * time.Minute)
	hs.from = "203.0.113.7"
	reference(t, hs.post("/en/contact", hs.fill("en", goodForm(), true)))
	checkNoPersonalData(t, "the log", hs.logs.String())
}

func TestOversizedBody(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	form := hs.fill("en", goodForm(), true)
	form.Set("f_message", strings.Repeat("a", MaxBody))
	res := hs.post("/en/contact", form)
	if res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "larger than the limit of 32 KB") {
		t.Errorf("status %d, want 413 with an explanation:\n%s", res.status, res.body)
	}
}

func TestErrorsKeepValues(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	form := hs.fill("en", goodForm(), true)
	form.Set("f_email", "hanako@")
	form.Del("notice_read")
	form.Set("f_message", "<b>Hello</b> & goodbye")
	res := hs.post("/en/contact", form)
	if res.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", res.status)
	}
	for _, want := range []string{
		// The summary leads, takes focus and links to each field.
		`<h2 id="error-summary-title" tabindex="-1" autofocus>`,
		`<li><a href="#contact-email">Enter email address in the form name@example.com.</a></li>`,
		`<li><a href="#contact-notice-read">Read the notice`,
		// Each field with an error says so, next to it.
		`id="contact-email-error"`,
		`aria-describedby="contact-email-error contact-email-help"`,
		`aria-invalid="true"`,
		`aria-describedby="contact-notice-read-error"`,
		// What was written is all there, escaped.
		`value="山田 花子"`, `value="hanako@"`, `value="03-1234-5678"`, `value="Bay Robotics"`,
		`<option value="programme" selected>`,
		`&lt;b&gt;Hello&lt;/b&gt; &amp; goodbye</textarea>`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// Every link of the summary leads to an element of the page.
	for _, m := range regexp.MustCompile(`<li><a href="#([^"]+)">`).FindAllStringSubmatch(res.body, -1) {
		if !strings.Contains(res.body, `id="`+m[1]+`"`) {
			t.Errorf("the summary links to #%s, which is not on the page", m[1])
		}
	}
	if hs.count("contact_submissions") != 0 {
		t.Error("an invalid form was stored")
	}
}

func TestNotification(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	ref := reference(t, hs.post("/en/contact", hs.fill("en", goodForm(), true)))
	got := hs.notes.all()
	if len(got) != 1 {
		t.Fatalf("%d notifications, want 1", len(got))
	}
	n := got[0]
	if n.Reference != ref || n.Form != "contact" || n.ConsoleURL != "https://console.example/admin/contact/"+ref {
		t.Errorf("notification %+v", n)
	}
	if n.Subject != "New submission "+ref+" for form contact" || !strings.Contains(n.Text, n.ConsoleURL) {
		t.Errorf("subject %q, text %q", n.Subject, n.Text)
	}
	checkNoPersonalData(t, "the notification", n.Subject+n.Text)

	// A failing notifier is logged and the submission still succeeds.
	hs.notes.err = errFake
	reference(t, hs.post("/en/contact", hs.fill("en", goodForm(), true)))
	if !strings.Contains(hs.logs.String(), "notify of a submission") {
		t.Error("the failed notification was not logged")
	}
	checkNoPersonalData(t, "the log", hs.logs.String())
}

var errFake = &fakeError{}

type fakeError struct{}

func (*fakeError) Error() string { return "the mail server is down" }

func TestThanksPage(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/en/contact/thanks?ref=C-2026-7KQM-X3HD", "C-2026-7KQM-X3HD", http.StatusOK},
		{"/ja/contact/thanks?ref=C-2026-7KQM-X3HD", "受付番号", http.StatusOK},
		{"/en/contact/thanks?ref=C-2026-0000-X3HD", "No reference number", http.StatusNotFound},
		{"/en/contact/thanks?ref=%3Cscript%3E", "No reference number", http.StatusNotFound},
		{"/en/contact/thanks", "No reference number", http.StatusNotFound},
	} {
		res := hs.get(tc.path)
		if res.status != tc.status || !strings.Contains(res.body, tc.want) {
			t.Errorf("GET %s: status %d, want %d with %q", tc.path, res.status, tc.status, tc.want)
		}
		if strings.Contains(res.body, "<script>") {
			t.Errorf("GET %s echoes markup", tc.path)
		}
	}
}

func TestRoutes(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	for _, tc := range []struct {
		path     string
		status   int
		location string
	}{
		{"/ja/contact", http.StatusOK, ""},
		{"/en/contact", http.StatusOK, ""},
		{"/ja/contact/", http.StatusMovedPermanently, "/ja/contact"},
		{"/en/contact/", http.StatusMovedPermanently, "/en/contact"},
		{"/fr/contact", http.StatusNotFound, ""},
	} {
		res := hs.get(tc.path)
		if res.status != tc.status || res.header.Get("Location") != tc.location {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, res.status, res.header.Get("Location"), tc.status, tc.location)
		}
		if res.status == http.StatusOK && res.header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", tc.path, res.header.Get("Cache-Control"))
		}
	}
}

// TestDatabaseFilesHoldNoPersonalData reads the SQLite files after a
// submission: what the person wrote must be in none of them.
func TestDatabaseFilesHoldNoPersonalData(t *testing.T) {
	dsn := storetest.FreshDSN(t, store.SQLite)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, db)
	reference(t, hs.post("/en/contact", hs.fill("en", goodForm(), true)))
	form := hs.fill("ja", goodForm(), false)
	next := hiddenInputs(t, hs.post("/ja/contact", form).body)
	hs.clock.Advance(10 * time.Second)
	reference(t, hs.post("/ja/contact", next))

	dir := filepath.Dir(strings.TrimPrefix(dsn, "sqlite:"))
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no database files in %s: %v", dir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"hanako.yamada@example.jp", "hanako", "山田", "Bay Robotics", "Could we meet"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s contains %q", filepath.Base(f), secret)
			}
		}
	}
}

func TestSplitByRetention(t *testing.T) {
	now := time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)
	d := func(s string) manifest.Duration {
		x, err := manifest.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	values := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}
	tests := []struct {
		name   string
		form   string
		fields map[string]string // field id → its retention, "" for none
		kept   string
		groups string
	}{
		{"no field shorter", "1y", map[string]string{"a": "", "b": "1y", "c": "2y", "d": ""}, "a b c d", ""},
		{"one shorter", "1y", map[string]string{"a": "", "b": "6mo", "c": "", "d": ""}, "a c d", "2026-07-31:b"},
		{"same expiry grouped, soonest first", "1y", map[string]string{"a": "6mo", "b": "30d", "c": "6mo", "d": ""}, "d", "2026-03-02:b 2026-07-31:a,c"},
		{"form without retention keeps the longest", "", map[string]string{"a": "2y", "b": "1y", "c": "2y", "d": "2y"}, "a c d", "2027-01-31:b"},
	}
	for _, tt := range tests {
		cp := &manifest.CollectionPoint{ID: "f"}
		if tt.form != "" {
			cp.Retention = d(tt.form)
		}
		for _, id := range []string{"a", "b", "c", "d"} {
			f := manifest.Field{ID: id}
			if r := tt.fields[id]; r != "" {
				f.Retention = d(r)
			}
			cp.Fields = append(cp.Fields, f)
		}
		kept, groups := splitByRetention(cp, values, now, retention(cp).From(now))
		var keptIDs []string
		for id := range kept {
			keptIDs = append(keptIDs, id)
		}
		slices.Sort(keptIDs)
		var got []string
		for _, g := range groups {
			for _, f := range g.fields {
				if g.values[f] != values[f] {
					t.Errorf("%s: group value %s = %q, want %q", tt.name, f, g.values[f], values[f])
				}
			}
			got = append(got, g.expires.Format(time.DateOnly)+":"+strings.Join(g.fields, ","))
		}
		if strings.Join(keptIDs, " ") != tt.kept || strings.Join(got, " ") != tt.groups {
			t.Errorf("%s: kept %v, groups %v; want %q, %q", tt.name, keptIDs, got, tt.kept, tt.groups)
		}
	}
}

// TestReferenceYearInSiteZone checks that a reference number takes its
// year from the site's calendar: early on New Year's Day in UTC it is
// still the old year in Los Angeles.
func TestReferenceYearInSiteZone(t *testing.T) {
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	next := time.Now().UTC().Year() + 1
	newYear := time.Date(next, 1, 1, 5, 0, 0, 0, time.UTC)
	want := "C-" + strconv.Itoa(next-1) + "-"
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs := newHarness(t, db, func(o *Options) { o.Location = la })
		hs.clock.Set(newYear)
		tests := []struct {
			name string
			form url.Values
		}{
			{"stored", goodForm()},
			{"honeypot", func() url.Values { f := goodForm(); f.Set(honeypotInput, "https://spam.example"); return f }()},
		}
		for _, tt := range tests {
			if ref := reference(t, hs.post("/en/contact", hs.fill("en", tt.form, true))); !strings.HasPrefix(ref, want) {
				t.Errorf("%s: reference %s, want the year of Los Angeles, %s…", tt.name, ref, want)
			}
		}
	})
}
