package contact

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/account"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// submit stores a submission through the public form and returns its id.
func (hs *harness) submit(t *testing.T, in *Inbox) Submission {
	t.Helper()
	ref := reference(t, hs.post("/en/contact", hs.fill("en", goodForm(), true)))
	list, err := in.List(context.Background(), InboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Reference == ref {
			return s
		}
	}
	t.Fatalf("submission %s is not in the inbox", ref)
	return Submission{}
}

func newInbox(t *testing.T, hs *harness) *Inbox {
	t.Helper()
	in, err := NewInbox(hs.db, hs.vault)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestInboxListAndOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		in := newInbox(t, hs)
		first := hs.submit(t, in)
		hs.clock.Advance(1)
		second := hs.submit(t, in)

		tests := []struct {
			name   string
			filter InboxFilter
			want   []string
		}{
			{"all", InboxFilter{}, []string{second.ID, first.ID}},
			{"form", InboxFilter{Forms: []string{"contact"}}, []string{second.ID, first.ID}},
			{"other form", InboxFilter{Forms: []string{"elsewhere"}}, nil},
			{"status new", InboxFilter{Status: StatusNew}, []string{second.ID, first.ID}},
			{"status closed", InboxFilter{Status: StatusClosed}, nil},
			{"page", InboxFilter{Limit: 1, Offset: 1}, []string{first.ID}},
		}
		for _, tt := range tests {
			list, err := in.List(ctx, tt.filter)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			var got []string
			for _, s := range list {
				got = append(got, s.ID)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
		if _, err := in.List(ctx, InboxFilter{Status: "lost"}); err == nil {
			t.Error("List accepted an unknown status")
		}

		s, values, err := in.Open(ctx, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Form != "contact" || s.Status != StatusNew || s.Lang != "en" || s.PolicyVersion != hs.m.VersionLabel() || s.Deleted {
			t.Errorf("opened %+v", s)
		}
		if values["email"] != "hanako.yamada@example.jp" || values["name"] != "山田 花子" {
			t.Errorf("values %v", values)
		}
		if _, err := in.Get(ctx, "nosuchsubmissionnosuchsubm"); !errors.Is(err, ErrNoSubmission) {
			t.Errorf("Get of a missing submission: %v, want ErrNoSubmission", err)
		}
	})
}

func TestInboxStatusAndAssign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		in := newInbox(t, hs)
		s := hs.submit(t, in)
		accounts, err := account.NewStore(db, account.Options{Hash: account.HashParams{Memory: 64, Time: 1, Threads: 1}})
		if err != nil {
			t.Fatal(err)
		}
		u, err := accounts.Create(ctx, account.Profile{Email: "handler@example.jp", Role: account.Handler, Forms: []string{"contact"}},
			"correct horse battery staple", hs.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		staff := u.ID
		if err := in.SetStatus(ctx, s.ID, StatusAnswered); err != nil {
			t.Fatal(err)
		}
		if err := in.Assign(ctx, s.ID, staff); err != nil {
			t.Fatal(err)
		}
		got, err := in.Get(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != StatusAnswered || got.AssignedTo != staff {
			t.Errorf("after the changes: %+v", got)
		}
		if err := in.Assign(ctx, s.ID, 0); err != nil {
			t.Fatal(err)
		}
		if got, _ := in.Get(ctx, s.ID); got.AssignedTo != 0 {
			t.Errorf("unassigned submission still assigned to %d", got.AssignedTo)
		}
		if err := in.SetStatus(ctx, s.ID, "lost"); err == nil {
			t.Error("SetStatus accepted an unknown status")
		}
		if err := in.SetStatus(ctx, "nosuchsubmissionnosuchsubm", StatusOpen); !errors.Is(err, ErrNoSubmission) {
			t.Errorf("SetStatus of a missing submission: %v", err)
		}
	})
}

func TestInboxNotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		in := newInbox(t, hs)
		s := hs.submit(t, in)
		for _, text := range []string{"Called back, no answer.", "二回目：留守番電話に伝言"} {
			if _, err := in.AddNote(ctx, s.ID, "handler@example.jp", text); err != nil {
				t.Fatal(err)
			}
		}
		notes, err := in.Notes(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) != 2 || notes[0].Text != "Called back, no answer." || notes[1].Text != "二回目：留守番電話に伝言" || notes[0].Author != "handler@example.jp" {
			t.Errorf("notes %+v", notes)
		}
		// A request to delete the person's data finds the notes too.
		found, err := hs.vault.Find(ctx, "hanako.yamada@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, m := range found {
			kinds[m.Kind]++
		}
		if kinds[VaultKind] != 1 || kinds[NoteKind] != 2 {
			t.Errorf("records found by the sender's address: %v, want the submission and both notes", kinds)
		}
		var kind, form string
		var expires, subExpires time.Time
		if err := db.QueryRowContext(ctx, `SELECT v.kind, v.form, v.expires_at, s.expires_at FROM contact_notes n
			JOIN vault_records v ON v.id = n.vault_id JOIN contact_submissions s ON s.id = n.submission_id LIMIT 1`).
			Scan(&kind, &form, &expires, &subExpires); err != nil {
			t.Fatal(err)
		}
		if kind != NoteKind || form != "contact" || !expires.Equal(subExpires) {
			t.Errorf("note record: kind %s form %s expires %v, want note, contact, %v", kind, form, expires, subExpires)
		}
		for _, text := range []string{"", strings.Repeat("x", MaxNote+1)} {
			if _, err := in.AddNote(ctx, s.ID, "handler@example.jp", text); err == nil {
				t.Errorf("AddNote accepted %d bytes", len(text))
			}
		}
	})
}

// TestInboxShredded checks that a submission shredded by retention or a
// deletion request shows as deleted instead of failing.
func TestInboxShredded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		in := newInbox(t, hs)
		s := hs.submit(t, in)
		if _, err := in.AddNote(ctx, s.ID, "handler@example.jp", "Before the deletion."); err != nil {
			t.Fatal(err)
		}
		var vaultID string
		if err := db.QueryRowContext(ctx, `SELECT vault_id FROM contact_submissions WHERE id = $1`, s.ID).Scan(&vaultID); err != nil {
			t.Fatal(err)
		}
		if err := hs.vault.Shred(ctx, vaultID); err != nil {
			t.Fatal(err)
		}
		got, values, err := in.Open(ctx, s.ID)
		if err != nil || !got.Deleted || values != nil {
			t.Errorf("Open of a shredded submission: %+v %v %v, want deleted", got, values, err)
		}
		list, err := in.List(ctx, InboxFilter{})
		if err != nil || len(list) != 1 || !list[0].Deleted {
			t.Errorf("List after shredding: %+v %v", list, err)
		}
		notes, err := in.Notes(ctx, s.ID)
		if err != nil || len(notes) != 1 || !notes[0].Deleted || notes[0].Text != "" {
			t.Errorf("Notes after shredding: %+v %v", notes, err)
		}
		if _, err := in.AddNote(ctx, s.ID, "handler@example.jp", "After."); !errors.Is(err, ErrDeleted) {
			t.Errorf("AddNote on a shredded submission: %v, want ErrDeleted", err)
		}
	})
}

// TestInboxNotesEncrypted looks for a note's text in the SQLite files.
func TestInboxNotesEncrypted(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.FreshDSN(t, store.SQLite)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, db)
	in := newInbox(t, hs)
	s := hs.submit(t, in)
	const secret = "Unmistakable note text 7f3a"
	if _, err := in.AddNote(ctx, s.ID, "handler@example.jp", secret); err != nil {
		t.Fatal(err)
	}
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
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the note in the clear", filepath.Base(f))
		}
	}
	if notes, err := in.Notes(ctx, s.ID); err != nil || len(notes) != 1 || notes[0].Text != secret {
		t.Errorf("notes %+v %v", notes, err)
	}
}

// TestInboxFieldRetention checks that an answer kept for less time than its
// form is deleted at the end of its own retention while the rest of the
// submission stays readable.
func TestInboxFieldRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		in := newInbox(t, hs)
		s := hs.submit(t, in)
		const email = "hanako.yamada@example.jp"

		found, err := hs.vault.Find(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, m := range found {
			kinds[m.Kind]++
		}
		if kinds[VaultKind] != 1 || kinds[PartKind] != 1 || len(found) != 2 {
			t.Errorf("records found by the sender's address: %v, want the submission and its part", kinds)
		}

		opened, values, err := in.Open(ctx, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if values["phone"] != "03-1234-5678" || values["name"] != "山田 花子" || len(opened.Expired) != 0 {
			t.Errorf("within the retention: values %v, expired %v; want every answer", values, opened.Expired)
		}

		sevenMonths := hs.clock.Now().AddDate(0, 7, 0)
		tests := []struct {
			name  string
			shred bool
		}{
			// Between the end of the retention and the hourly retention
			// run the answer is already withheld.
			{"expired, not yet shredded", false},
			{"shredded", true},
		}
		for _, tt := range tests {
			in.now = func() time.Time { return sevenMonths }
			if tt.shred {
				shredded, err := hs.vault.ShredExpired(ctx, sevenMonths)
				if err != nil {
					t.Fatal(err)
				}
				if len(shredded) != 1 || shredded[0].Kind != PartKind {
					t.Errorf("%s: retention shredded %+v, want the part alone", tt.name, shredded)
				}
			}
			opened, values, err := in.Open(ctx, s.ID)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if opened.Deleted || !slices.Equal(opened.Expired, []string{"phone"}) {
				t.Errorf("%s: opened %+v, want phone expired and the rest kept", tt.name, opened)
			}
			if _, ok := values["phone"]; ok {
				t.Errorf("%s: the phone number is still shown", tt.name)
			}
			if values["email"] != email || values["name"] != "山田 花子" || values["message"] == "" {
				t.Errorf("%s: values %v, want the answers kept for the form's year", tt.name, values)
			}
		}

		var vaultID string
		if err := db.QueryRowContext(ctx, `SELECT vault_id FROM contact_submissions WHERE id = $1`, s.ID).Scan(&vaultID); err != nil {
			t.Fatal(err)
		}
		if _, err := hs.vault.Open(ctx, vaultID); err != nil {
			t.Errorf("the main record after the part's retention: %v", err)
		}
		if _, err := in.AddNote(ctx, s.ID, "handler@example.jp", "Phone number gone; answer by e-mail."); err != nil {
			t.Errorf("AddNote after the part's retention: %v", err)
		}
	})
}

// TestStoreFailureShredsParts checks that a submission whose row cannot be
// stored leaves none of its records readable, its parts included.
func TestStoreFailureShredsParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		cp := hs.m.CollectionPoint("contact")
		in := url.Values{}
		for k, v := range goodForm() {
			in[k] = v
		}
		s, errs := parseForm(cp, in, "en")
		if len(errs) != 0 {
			t.Fatalf("the test form does not validate: %+v", errs)
		}
		// The challenge was used by a submission stored meanwhile, so the
		// transaction fails after the records are sealed.
		now := hs.clock.Now()
		c := challenge{Form: cp.ID, Issued: now, ID: strings.Repeat("a", 22), Difficulty: testDifficulty}
		if _, err := db.ExecContext(ctx, `INSERT INTO contact_challenges (id, expires_at) VALUES ($1, $2)`, c.ID, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := hs.h.store(ctx, hs.m, cp, "en", s, c, now); !errors.Is(err, errReplayed) {
			t.Fatalf("store with a used challenge: %v, want errReplayed", err)
		}
		var sealed, live int
		if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) - count(shredded_at) FROM vault_records`).Scan(&sealed, &live); err != nil {
			t.Fatal(err)
		}
		if sealed != 2 || live != 0 {
			t.Errorf("%d records sealed, %d left unshredded; want the submission and its part, both shredded", sealed, live)
		}
		if n := hs.count("contact_submissions") + hs.count("contact_submission_parts"); n != 0 {
			t.Errorf("%d rows stored for a failed submission", n)
		}
	})
}
