package dsr_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

// TestDeletionFlow takes a business's deletion request from the form
// through the e-mailed link to the console's Delete: every record of the
// address, in two forms, is found when the link is confirmed and shredded
// by Delete, and no one else's record is touched.
func TestDeletionFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db, business(t))
		contactID := hs.seal("contact", "taro.yamada@example.jp", `{"name":"山田太郎","message":"こんにちは"}`)
		eventID := hs.seal("event-signup", "TARO.YAMADA@example.jp", `plain text`)
		otherID := hs.seal("contact", "hanako@example.jp", `{"name":"花子"}`)

		hs.submit("en", dsr.Deletion, "Taro.Yamada@Example.jp", "")
		sent := hs.get(dsr.Path("en") + "?sent=1")
		mustContain(t, "the page after sending", sent.body, "Please check your e-mail")

		msg, link := hs.link(1)
		if len(msg.To) != 1 || msg.To[0] != "Taro.Yamada@Example.jp" {
			t.Errorf("mail to %v, want the address given", msg.To)
		}
		mustContain(t, "the mail", msg.Text, dsr.Deletion.Label("en", dsr.Business), "nothing happens", "30 minutes")

		// Opening the link verifies nothing yet.
		page := hs.get(link)
		mustContain(t, "the link's page", page.body, `<button type="submit">Confirm the request</button>`)
		if got := hs.only(); got.Status != dsr.PendingVerification {
			t.Fatalf("after GET the request is %s, want %s", got.Status, dsr.PendingVerification)
		}

		hs.clock.Advance(10 * time.Minute)
		done := hs.confirm(link)
		if done.status != http.StatusOK {
			t.Fatalf("confirm: %d\n%s", done.status, done.body)
		}
		req := hs.only()
		// Verified at 18:40 on 29 November in Tokyo: 14 days from the next
		// day, to the end of 13 December there.
		mustContain(t, "the confirmation page", done.body, req.Reference, "Your request has been received",
			`<time datetime="2036-12-13">13 December 2036 (JST)</time>`, "We answer by")
		verifiedAt := start.Add(10 * time.Minute)
		due := time.Date(2036, 12, 13, 23, 59, 59, 0, tokyo)
		if req.Status != dsr.Verified || !req.Verified.Equal(verifiedAt) || !req.Deadline.Equal(due) {
			t.Errorf("request %+v: want verified at %s, due %s", req, verifiedAt, due)
		}
		if req.Matches != 2 || req.Kind != dsr.Deletion || req.Lang != "en" {
			t.Errorf("request %+v: want 2 matches of a deletion in en", req)
		}

		// A business's form has no name, address or target: what the
		// test's form sends of them is not kept.
		sub, err := hs.h.Subject(ctx, req.ID)
		if err != nil || sub != (dsr.Submission{Email: "Taro.Yamada@Example.jp"}) {
			t.Errorf("Subject = %+v, %v", sub, err)
		}

		n, err := hs.h.Delete(ctx, req.ID)
		if err != nil || n != 2 {
			t.Fatalf("Delete = %d, %v; want 2 shredded", n, err)
		}
		for _, id := range []string{contactID, eventID} {
			if _, err := hs.vault.Open(ctx, id); !errors.Is(err, vault.ErrShredded) {
				t.Errorf("Open(%s) after Delete: %v, want ErrShredded", id, err)
			}
		}
		if _, err := hs.vault.Open(ctx, otherID); err != nil {
			t.Errorf("someone else's record: %v", err)
		}
		if got, err := hs.h.Get(ctx, req.ID); err != nil || got.Status != dsr.Done {
			t.Errorf("after Delete: %+v, %v; want done", got, err)
		}
		if _, err := hs.h.Delete(ctx, req.ID); !errors.Is(err, dsr.ErrState) {
			t.Errorf("second Delete: %v, want ErrState", err)
		}
	})
}

// TestDisclose exports the records found for a public body's disclosure
// request once the requester's identity is recorded, and keeps in the
// vault what each request's 請求書 states: the requester's name and
// address and what identifies the information, and the 趣旨及び理由 of a
// correction and a cessation.
func TestDisclose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		hs.seal("contact", "jiro@example.jp", `{"name":"次郎","message":"質問です"}`)
		hs.seal("newsletter", "jiro@example.jp", `weekly`)

		hs.submit("ja", dsr.Disclosure, "jiro@example.jp", "this is ignored")
		_, link := hs.link(1)
		if resp := hs.confirm(link); resp.status != http.StatusOK {
			t.Fatalf("confirm: %d", resp.status)
		}
		req := hs.only()
		want := dsr.Submission{Email: "jiro@example.jp", Name: requesterName, Address: requesterAddress, Target: requestTarget}
		if sub, err := hs.h.Subject(ctx, req.ID); err != nil || sub != want {
			t.Errorf("Subject = %+v, %v; want %+v: details of a disclosure are not kept", sub, err, want)
		}
		exp, err := hs.h.Disclose(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(exp)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, "the export", string(body), `"reference":"`+req.Reference+`"`, `"form":"contact"`,
			`"fields":{"name":"次郎","message":"質問です"}`, `"form":"newsletter"`, `"fields":{"text":"weekly"}`)
		if len(exp.Records) != 2 || exp.Unavailable != 0 {
			t.Errorf("export %+v: want 2 records", exp)
		}
		if _, err := hs.h.Delete(ctx, req.ID); !errors.Is(err, dsr.ErrKind) {
			t.Errorf("Delete of a disclosure: %v, want ErrKind", err)
		}
		if err := hs.h.SetStatus(ctx, req.ID, dsr.Done, "sent the export"); !errors.Is(err, dsr.ErrIdentity) {
			t.Errorf("Done before the identity check: %v, want ErrIdentity", err)
		}
		if err := hs.h.RecordIdentity(ctx, req.ID, dsr.AtCounter, "", "staff@example.jp"); err != nil {
			t.Fatal(err)
		}
		if err := hs.h.SetStatus(ctx, req.ID, dsr.Done, "sent the export"); err != nil {
			t.Fatal(err)
		}
		if _, err := hs.h.Disclose(ctx, req.ID); !errors.Is(err, dsr.ErrState) {
			t.Errorf("Disclose of a closed request: %v, want ErrState", err)
		}

		// The first request's link and receipt came before.
		hs.smtp.Wait(t, 2, 10*time.Second)
		hs.submit("en", dsr.Correction, "jiro@example.jp", "My name is 次郎, not 二郎.")
		_, link = hs.link(3)
		hs.confirm(link)
		list, err := hs.h.List(ctx, dsr.Filter{Kind: dsr.Correction})
		if err != nil || len(list) != 1 {
			t.Fatalf("List corrections = %v, %v", list, err)
		}
		if list[0].Matches != 3 {
			t.Errorf("the correction matches %d records, want 3 (the earlier request's record too)", list[0].Matches)
		}
		want.Details = "My name is 次郎, not 二郎."
		if sub, err := hs.h.Subject(ctx, list[0].ID); err != nil || sub != want {
			t.Errorf("Subject = %+v, %v; want %+v", sub, err, want)
		}

		cessation := hs.verified("ja", dsr.Cessation, "jiro@example.jp", cessationReason)
		want.Details = cessationReason
		if sub, err := hs.h.Subject(ctx, cessation.ID); err != nil || sub != want {
			t.Errorf("Subject = %+v, %v; want %+v", sub, err, want)
		}
	})
}

// TestLongestForm: a public body's form with every text at its limit, in
// characters of four UTF-8 bytes, fits the body limit and is taken.
func TestLongestForm(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	const c = "𠮷"
	v := url.Values{"kind": {"correction"}, "confirm": {"yes"},
		"email":   {strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + ".example.jp"},
		"name":    {strings.Repeat(c, 100)},
		"address": {strings.Repeat(c, 200)},
		"target":  {strings.Repeat(c, 1000)},
		"details": {strings.Repeat(c, 2000)},
	}
	resp := hs.post(dsr.Path("ja"), v.Encode(), "")
	if resp.status != http.StatusSeeOther {
		t.Fatalf("the longest form: %d\n%s", resp.status, resp.body)
	}
}

// TestNoEnumeration: the answer to a request, and the mail it sends, are
// the same whether or not the address has records.
func TestNoEnumeration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		hs := newHarness(t, db)
		hs.seal("contact", "known@example.jp", `{"message":"hello"}`)
		var answers []response
		for _, email := range []string{"known@example.jp", "unknown@example.jp"} {
			resp := hs.post(dsr.Path("ja"), form(dsr.Disclosure, email, ""), "")
			resp.header.Del("Date")
			answers = append(answers, resp)
		}
		if answers[0].status != answers[1].status || answers[0].body != answers[1].body ||
			answers[0].header.Get("Location") != answers[1].header.Get("Location") {
			t.Errorf("answers differ:\n%+v\n%+v", answers[0], answers[1])
		}
		msgs := hs.smtp.Wait(t, 2, 10*time.Second)
		a := linkPattern.ReplaceAllString(msgs[0].Text, "LINK")
		b := linkPattern.ReplaceAllString(msgs[1].Text, "LINK")
		if a != b || msgs[0].Subject != msgs[1].Subject {
			t.Errorf("mails differ:\n%s\n%s", a, b)
		}
	})
}

// TestMailHoldsNoPersonalData: besides the recipient, the verification
// mail says nothing about the person, not even what they wrote.
func TestMailHoldsNoPersonalData(t *testing.T) {
	hs := newHarness(t, storetest.SQLite(t))
	const details = "Address should read 1-2-3 Shibuya"
	hs.submit("ja", dsr.Correction, "Saburo@example.jp", details)
	msg, _ := hs.link(1)
	for _, secret := range []string{"saburo", "Saburo", details, "Shibuya", requesterName, requesterAddress, requestTarget} {
		if strings.Contains(msg.Subject, secret) || strings.Contains(msg.Text, secret) {
			t.Errorf("the mail's subject or text holds %q", secret)
		}
	}
	for _, line := range strings.Split(msg.Raw, "\n") {
		if strings.Contains(strings.ToLower(line), "saburo") && !strings.HasPrefix(line, "To: ") {
			t.Errorf("the raw mail holds the address outside To: %q", line)
		}
	}
	mustContain(t, "the mail", msg.Text, dsr.Correction.Label("ja", dsr.PublicBody), "何も行われません", "別途、本人確認を行います")
}
