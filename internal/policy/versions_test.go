package policy

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func TestVersionsRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := NewVersions(db)
		m := demoManifest(t)
		first := time.Date(2026, 4, 1, 9, 30, 0, 123456000, time.UTC)

		added, err := v.Record(ctx, m, first)
		if err != nil || !added {
			t.Fatalf("first Record = %v, %v; want true, nil", added, err)
		}
		added, err = v.Record(ctx, m, first.Add(time.Hour))
		if err != nil || added {
			t.Fatalf("second Record = %v, %v; want false, nil", added, err)
		}

		list, err := v.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Fatalf("List has %d versions, want 1", len(list))
		}
		got := list[0]
		canon, _ := m.Canonical()
		if got.Hash != m.Hash() || got.Version != "2026.1" || got.Effective != "2026-04-01" || got.Manifest != string(canon) {
			t.Errorf("recorded %+v", got)
		}
		if !got.FirstServed.Equal(first) {
			t.Errorf("FirstServed = %v, want %v (the first time, kept)", got.FirstServed, first)
		}
		if got.Label() != m.VersionLabel() {
			t.Errorf("Label() = %q, want %q", got.Label(), m.VersionLabel())
		}
		for _, lang := range []string{"ja", "en"} {
			text := got.Policy(lang)
			privacy := renderString(t, m, lang, Privacy, Markdown)
			cookies := renderString(t, m, lang, Cookies, Markdown)
			if text != privacy+"\n"+cookies {
				t.Errorf("recorded %s text is not the privacy policy followed by the cookie policy", lang)
			}
		}
	})
}

// TestVersionsRecordConcurrently records one manifest from many
// goroutines at once, as several servers starting together would: exactly
// one of them adds it.
func TestVersionsRecordConcurrently(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := demoManifest(t)
		const n = 8
		var wg sync.WaitGroup
		results := make(chan bool, n)
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				// Each goroutine has its own Versions, like separate
				// processes sharing the database.
				added, err := NewVersions(db).Record(ctx, m, time.Now())
				if err != nil {
					errs <- err
				}
				results <- added
			})
		}
		wg.Wait()
		close(results)
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		count := 0
		for added := range results {
			if added {
				count++
			}
		}
		if count != 1 {
			t.Errorf("%d Record calls reported adding the version, want 1", count)
		}
	})
}

func TestHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		v := NewVersions(db)
		old, new := demoManifest(t), demoVariant(t)
		t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		if _, err := v.Record(ctx, old, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Record(ctx, new, t0.AddDate(0, 1, 0)); err != nil {
			t.Fatal(err)
		}

		list, err := v.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Hash != new.Hash() || list[1].Hash != old.Hash() {
			t.Fatalf("List is not newest first: %v", labels(list))
		}

		srv := serve(t, Options{Manifest: fixed(new), Versions: v, Location: time.FixedZone("JST", 9*60*60)})
		for _, tt := range []struct {
			lang        string
			added       []string
			firstServed string
		}{
			{"en", []string{"Sending the newsletter", "Email address: to send the newsletter", "Email address"}, "2026-05-01 09:00 JST"},
			{"ja", []string{"メールマガジンの配信", "メールアドレス：メールマガジンを配信するため", "メールアドレス"}, "2026年5月1日 09:00（日本時間）"},
		} {
			resp, body := get(t, srv, "/"+tt.lang+"/privacy/history")
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d", tt.lang, resp.StatusCode)
			}
			checkPage(t, body, tt.lang)
			iNew := strings.Index(body, new.VersionLabel())
			iOld := strings.Index(body, ">"+old.VersionLabel()+"<")
			if iNew < 0 || iOld < 0 || iNew > iOld {
				t.Errorf("%s: versions not listed newest first", tt.lang)
			}
			if !strings.Contains(body, tt.firstServed) {
				t.Errorf("%s: the first-served time %q is missing", tt.lang, tt.firstServed)
			}
			text := visibleText(t, body)
			for _, want := range tt.added {
				if !strings.Contains(text, want) {
					t.Errorf("%s: the added purpose's %q is not in the diff", tt.lang, want)
				}
			}
			// The diff shows the text as the policy shows it, not its
			// Markdown.
			for _, mark := range []string{"| ", "**", "](", "\n- ", "## "} {
				if strings.Contains(text, mark) {
					t.Errorf("%s: the history shows Markdown %q: %s", tt.lang, mark, text)
				}
			}
			if !strings.Contains(body, "<ins class=\"diff__line diff__line--ins\">") || !strings.Contains(body, "<del class=\"diff__line diff__line--del\">") {
				t.Errorf("%s: the diff has no marked insertions and deletions", tt.lang)
			}
			// Changes are told apart by a sign and a hidden label, not by
			// colour alone.
			for _, label := range map[string][]string{"en": {"Added: ", "Removed: "}, "ja": {"追加：", "削除："}}[tt.lang] {
				if !strings.Contains(body, `<span class="visually-hidden">`+label+`</span>`) {
					t.Errorf("%s: no hidden label %q", tt.lang, label)
				}
			}
		}
	})
}

// TestHistoryShowsUnrecordedCurrentVersion covers a manifest in force that
// is not recorded (yet): it still heads the history, compared with the
// last recorded version.
func TestHistoryShowsUnrecordedCurrentVersion(t *testing.T) {
	db := storetest.SQLite(t)
	v := NewVersions(db)
	if _, err := v.Record(context.Background(), demoManifest(t), time.Now()); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, Options{Manifest: fixed(demoVariant(t)), Versions: v})
	_, body := get(t, srv, "/en/privacy/history")
	text := visibleText(t, body)
	if !strings.Contains(text, demoVariant(t).VersionLabel()) || !strings.Contains(text, "In force") {
		t.Error("the version in force is not listed")
	}
	if !strings.Contains(text, "Sending the newsletter") {
		t.Error("the change to the version in force is not shown")
	}
}

func TestHistoryWithoutStorage(t *testing.T) {
	srv := serve(t, Options{Manifest: fixed(demoManifest(t))})
	_, body := get(t, srv, "/en/privacy/history")
	if !strings.Contains(body, "there is no earlier version") {
		t.Error("a history of one version does not say there is nothing to compare")
	}
}

func TestHistoryReportsStorageErrors(t *testing.T) {
	db := storetest.SQLite(t)
	v := NewVersions(db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, Options{Manifest: fixed(demoManifest(t)), Versions: v})
	if resp, _ := get(t, srv, "/en/privacy/history"); resp.StatusCode != 500 {
		t.Errorf("status %d with the database closed, want 500", resp.StatusCode)
	}
}

func labels(vs []Version) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Label())
	}
	return out
}

func TestVersionChanges(t *testing.T) {
	m := fullManifest(t)
	canon, err := m.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	v := Version{Hash: m.Hash(), Manifest: string(canon)}
	for _, lang := range m.Languages {
		if got, want := v.changes(lang), m.Policy.Changes.In(lang); got != want || got == "" {
			t.Errorf("changes(%s) = %q, want %q", lang, got, want)
		}
	}
	if got := (Version{Manifest: "not json"}).changes("en"); got != "" {
		t.Errorf("changes of a broken record = %q, want none", got)
	}

	// The history shows the summary of each newer version.
	versions := NewVersions(storetest.SQLite(t))
	if _, err := versions.Record(context.Background(), demoManifest(t), time.Now()); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, Options{Manifest: fixed(m), Versions: versions})
	_, body := get(t, srv, "/en/privacy/history")
	if want := "Summary: " + m.Policy.Changes.In("en"); !strings.Contains(visibleText(t, body), want) {
		t.Errorf("the history lacks %q", want)
	}
}

// TestHistoryGolden keeps the history page's article, where the diff shows
// the documents' text as they show it, rendered from their Markdown, with
// insertions and deletions marked and labelled for screen readers.
func TestHistoryGolden(t *testing.T) {
	ctx := context.Background()
	v := NewVersions(storetest.SQLite(t))
	old, new := demoManifest(t), demoVariant(t)
	t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if _, err := v.Record(ctx, old, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Record(ctx, new, t0.AddDate(0, 1, 0)); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, Options{Manifest: fixed(new), Versions: v, Location: time.FixedZone("JST", 9*60*60)})
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			_, body := get(t, srv, "/"+lang+"/privacy/history")
			start, end := strings.Index(body, "<article"), strings.LastIndex(body, "</article>")
			if start < 0 || end < start {
				t.Fatalf("no article in the page:\n%s", body)
			}
			goldentest.Check(t, filepath.Join("testdata", "golden", "history."+lang+".html"), []byte(body[start:end+len("</article>")]+"\n"))
		})
	}
}
