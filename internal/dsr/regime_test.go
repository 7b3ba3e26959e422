package dsr_test

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/dsr"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

var kindRadio = regexp.MustCompile(`<input type="radio" id="dsr-kind-([a-z-]+)" name="kind"`)

// TestKindsByRegime: a public body's form offers the three requests of
// chapter 5 and refuses the others when posted; a business's offers and
// takes the five of chapter 4.
func TestKindsByRegime(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*dsr.Options)
		title   string
		offered []dsr.Kind
		refused []dsr.Kind
		says    []string
		// never are words the page must not hold: overclaims the
		// reviewers found, or fields of the other regime.
		never []string
	}{
		{"public body", func(*dsr.Options) {}, "保有個人情報の開示請求等",
			[]dsr.Kind{dsr.Disclosure, dsr.Correction, dsr.Cessation}, []dsr.Kind{dsr.Deletion, dsr.ProvisionRecord},
			[]string{"開示請求", "訂正請求", "利用停止請求", "法定代理人", "任意代理人", "法第77条第2項",
				"本人確認に代わるものではありません", "手数料（法第89条）", "請求があった日から30日以内", "30日以内に限り延長",
				"審査請求", "行政不服審査法", "3か月以内", "利用停止請求により求めることができます",
				`<a href="https://www.city.minatobay.example/kojinjoho/file-bo/">個人情報ファイル簿</a>`,
				"みなとベイ市個人情報の保護に関する法律施行条例", "startup(at)demo.localhost",
				"本人又はその代理人（法定代理人又は任意代理人）",
				"法第100条に基づき、個人情報の適正な取扱いを確保するために必要な限度で消去その他の利用停止をします。",
				"<dt>記録の保存期間</dt>",
				"請求に係る保有個人情報が著しく大量である場合等には、法第84条、第95条又は第103条の規定により、さらに期限を延長することがあります。",
				"請求に対する決定又は請求に係る不作為に不服がある方は", "（法第105条第3項（行政不服審査法第81条の機関への諮問））",
				"（決定の日の翌日から起算して1年以内に限ります。）", "不作為についての審査請求には期間の制限はありません。",
				`<label for="dsr-name">氏名（必須）</label>`, `<label for="dsr-address">住所又は居所（必須）</label>`,
				`<label for="dsr-target">請求に係る保有個人情報を特定するに足りる事項（必須）</label>`,
				"請求の趣旨及び理由（訂正請求又は利用停止請求をする場合は必須）"},
			[]string{"範囲内で判断します", "法第104条、第105条", "法第104条・第105条"}},
		{"business", nil, "保有個人データの開示等の請求",
			dsr.Kinds, nil,
			[]string{"保有個人データの開示", "第三者提供記録の開示", "法第32条第1項第3号", "手数料（法第38条）",
				"1,000円", `<a href="mailto:privacy@hamakaze.example">privacy@hamakaze.example</a>`,
				"請求を確定した日から14日以内を目安に、遅滞なくお答えします。",
				"そのメールアドレスを使用している方からの請求であることを確認します。開示の請求等については、必要に応じて本人確認書類の写しの提出をお願いします。",
				"<dt>記録の消去（任意のお申出）</dt>", "法令により保存が必要な記録は、保存期間の満了まで消去できません。",
				"法第18条若しくは第19条の規定に違反して取り扱われ、若しくは第20条の規定に違反して取得されたとき、第27条第1項若しくは第28条の規定に違反して第三者に提供されたとき",
				"保有個人データの利用目的の通知の求め（法第32条第2項）"},
			[]string{"そのアドレスのご本人", "保有個人データの削除", "のすべてを消去", `id="dsr-name"`, `id="dsr-target"`, "趣旨及び理由"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edit := tt.edit
			if edit == nil {
				edit = business(t)
			}
			hs := newHarness(t, storetest.SQLite(t), edit)
			page := hs.get(dsr.Path("ja"))
			var got []string
			for _, m := range kindRadio.FindAllStringSubmatch(page.body, -1) {
				got = append(got, m[1])
			}
			var want []string
			for _, k := range tt.offered {
				want = append(want, string(k))
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("the form offers %v, want %v", got, want)
			}
			mustContain(t, "the page", page.body, append(tt.says, "<h1>"+tt.title+"</h1>", "<title>"+tt.title)...)
			for _, bad := range append([]string{"当方", "あなたの", "mailto:startup"}, tt.never...) {
				if strings.Contains(page.body, bad) {
					t.Errorf("the page says %q", bad)
				}
			}
			for _, k := range tt.refused {
				resp := hs.post(dsr.Path("ja"), form(k, "a@example.jp", ""), "")
				if resp.status != http.StatusBadRequest {
					t.Errorf("posting %s: %d, want 400", k, resp.status)
				}
				mustContain(t, "the refusal", resp.body, "選択された種類の請求は、みなとベイ市に対してはすることができません。")
			}
			for i, k := range tt.offered {
				details := ""
				switch k {
				case dsr.Correction:
					details = "住所の誤り"
				case dsr.Cessation:
					details = cessationReason
				}
				hs.submit("ja", k, "ok@example.jp", details)
				msg, _ := hs.link(i + 1)
				mustContain(t, "the mail", msg.Text, k.Label("ja", dsr.RegimeOf(hs.manifest())))
			}
			if list, err := hs.h.List(t.Context(), dsr.Filter{}); err != nil || len(list) != len(tt.offered) {
				t.Errorf("%d requests stored (%v), want %d", len(list), err, len(tt.offered))
			}
		})
	}
}

// TestDeadlineByRegime: the due date is the end of the day, in the
// site's zone, that lies the manifest's deadline after the day of
// verification: 30 days for the demo's public body, 14 for a business. A
// configured cap shortens it and never lengthens it.
func TestDeadlineByRegime(t *testing.T) {
	// start is 18:30 on 29 November in Tokyo; verification is 10 minutes
	// later, the same day there.
	tests := []struct {
		name string
		edit func(*dsr.Options)
		// wait is the time between the request and its verification.
		wait time.Duration
		due  time.Time
	}{
		{"public body", nil, 10 * time.Minute, time.Date(2036, 12, 29, 23, 59, 59, 0, tokyo)},
		{"business", business(t), 10 * time.Minute, time.Date(2036, 12, 13, 23, 59, 59, 0, tokyo)},
		{"cap shorter than the manifest", func(o *dsr.Options) { o.Deadline = 10 * 24 * time.Hour },
			10 * time.Minute, time.Date(2036, 12, 9, 23, 59, 59, 0, tokyo)},
		{"cap longer than the manifest", func(o *dsr.Options) { o.Deadline = 60 * 24 * time.Hour },
			10 * time.Minute, time.Date(2036, 12, 29, 23, 59, 59, 0, tokyo)},
		// 15:40 UTC is already the next day in Tokyo.
		{"late in the UTC day", func(o *dsr.Options) { o.LinkTTL = 8 * time.Hour }, 6*time.Hour + 10*time.Minute, time.Date(2036, 12, 30, 23, 59, 59, 0, tokyo)},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				edits := []func(*dsr.Options){}
				if tt.edit != nil {
					edits = append(edits, tt.edit)
				}
				hs := newHarness(t, db, edits...)
				hs.submit("en", dsr.Disclosure, "due@example.jp", "")
				hs.clock.Advance(tt.wait)
				_, link := hs.link(1)
				done := hs.confirm(link)
				mustContain(t, "the confirmation page", done.body, `<time datetime="`+tt.due.Format(time.DateOnly)+`">`)
				list, err := hs.h.List(t.Context(), dsr.Filter{Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, r := range list {
					found = found || r.Deadline.Equal(tt.due) && r.Verified.Equal(hs.clock.Now())
				}
				if !found {
					t.Errorf("no request due %s among %+v", tt.due, list)
				}
			})
		}
	})
}

// TestIdentityBeforeDecision: a public body's request is decided only
// once the identity check is recorded, with its means, who and when; a
// business may close a request without one.
func TestIdentityBeforeDecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		record := hs.seal("contact", "iwao@example.jp", `{"message":"hello"}`)
		hs.submit("ja", dsr.Cessation, "iwao@example.jp", cessationReason)
		_, link := hs.link(1)
		hs.confirm(link)
		req := hs.only()
		if req.Identity.Recorded() {
			t.Fatalf("a new request has its identity recorded: %+v", req.Identity)
		}
		for _, st := range []dsr.Status{dsr.Done} {
			if err := hs.h.SetStatus(ctx, req.ID, st, ""); !errors.Is(err, dsr.ErrIdentity) {
				t.Errorf("SetStatus %s before the identity check: %v, want ErrIdentity", st, err)
			}
		}
		if _, err := hs.h.Delete(ctx, req.ID); !errors.Is(err, dsr.ErrIdentity) {
			t.Errorf("Delete before the identity check: %v, want ErrIdentity", err)
		}
		if _, err := hs.vault.Open(ctx, record); err != nil {
			t.Errorf("a refused Delete touched the record: %v", err)
		}
		if err := hs.h.SetStatus(ctx, req.ID, dsr.InProgress, "identity documents asked for"); err != nil {
			t.Errorf("InProgress before the identity check: %v", err)
		}

		bad := []struct {
			means dsr.IdentityMeans
			note  string
			by    string
		}{
			{"passport-photo", "", "staff@example.jp"},
			{dsr.OtherMeans, "", "staff@example.jp"},
			{dsr.AtCounter, strings.Repeat("x", 501), "staff@example.jp"},
			{dsr.AtCounter, "", ""},
		}
		for _, b := range bad {
			if err := hs.h.RecordIdentity(ctx, req.ID, b.means, b.note, b.by); !errors.Is(err, dsr.ErrInput) {
				t.Errorf("RecordIdentity(%q, %d characters, %q): %v, want ErrInput", b.means, len(b.note), b.by, err)
			}
		}
		hs.clock.Advance(time.Hour)
		if err := hs.h.RecordIdentity(ctx, req.ID, dsr.OtherMeans, "video call with the card shown", "staff@example.jp"); err != nil {
			t.Fatal(err)
		}
		if err := hs.h.RecordIdentity(ctx, req.ID, dsr.AtCounter, "", "staff@example.jp"); !errors.Is(err, dsr.ErrRecorded) {
			t.Errorf("a second record: %v, want ErrRecorded", err)
		}
		got, err := hs.h.Get(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := dsr.Identity{Means: dsr.OtherMeans, Note: "video call with the card shown", By: "staff@example.jp", At: start.Add(time.Hour)}
		if got.Identity.Means != want.Means || got.Identity.Note != want.Note || got.Identity.By != want.By || !got.Identity.At.Equal(want.At) {
			t.Errorf("identity %+v, want %+v", got.Identity, want)
		}
		if n, err := hs.h.Delete(ctx, req.ID); err != nil || n != 1 {
			t.Errorf("Delete after the identity check = %d, %v; want 1", n, err)
		}

		biz := newHarness(t, db, business(t))
		theirs := biz.verified("en", dsr.Disclosure, "kaito@example.jp", "")
		if err := biz.h.SetStatus(ctx, theirs.ID, dsr.Done, "answered"); err != nil {
			t.Errorf("a business's request done without an identity record: %v", err)
		}
	})
}

// TestExtension: a public body extends an open request's deadline once,
// by at most the manifest's extension, with a reason the person is mailed
// with the new date; a business has no such step; a failed notice leaves
// the extension standing and says so.
func TestExtension(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		hs.submit("en", dsr.Correction, "Kenji@example.jp", "my postcode")
		_, link := hs.link(1)
		hs.confirm(link)
		req := hs.only()
		if n := hs.h.ExtensionDays(req); n != 30 {
			t.Errorf("ExtensionDays = %d, want 30", n)
		}
		for _, days := range []int{0, 31} {
			if _, err := hs.h.Extend(ctx, req.ID, days, "many records to check", "staff@example.jp"); !errors.Is(err, dsr.ErrInput) {
				t.Errorf("Extend by %d days: %v, want ErrInput", days, err)
			}
		}
		if _, err := hs.h.Extend(ctx, req.ID, 20, "", "staff@example.jp"); !errors.Is(err, dsr.ErrInput) {
			t.Errorf("Extend without a reason: %v, want ErrInput", err)
		}
		hs.clock.Advance(2 * time.Hour)
		got, err := hs.h.Extend(ctx, req.ID, 20, "Records in two offices must be checked.", "staff@example.jp")
		if err != nil {
			t.Fatal(err)
		}
		was, due := time.Date(2036, 12, 29, 23, 59, 59, 0, tokyo), time.Date(2037, 1, 18, 23, 59, 59, 0, tokyo)
		if !got.Deadline.Equal(due) || !got.Extension.From.Equal(was) || got.Extension.Reason != "Records in two offices must be checked." ||
			got.Extension.By != "staff@example.jp" || !got.Extension.At.Equal(start.Add(2*time.Hour)) {
			t.Errorf("extended %+v: want due %s, was %s", got, due, was)
		}
		// The link and the receipt went out before the notice.
		msg := hs.smtp.Wait(t, 3, 10*time.Second)[2]
		if len(msg.To) != 1 || msg.To[0] != "Kenji@example.jp" {
			t.Errorf("the notice went to %v", msg.To)
		}
		mustContain(t, "the notice", msg.Subject, got.Reference, "extended")
		mustContain(t, "the notice", msg.Text, "Article 94(2)", "29 December 2036 (JST)", "18 January 2037 (JST)",
			"Records in two offices must be checked.", got.Reference)
		if _, err := hs.h.Extend(ctx, req.ID, 5, "again", "staff@example.jp"); !errors.Is(err, dsr.ErrRecorded) {
			t.Errorf("a second extension: %v, want ErrRecorded", err)
		}
		if n := hs.h.ExtensionDays(got); n != 0 {
			t.Errorf("ExtensionDays after the extension = %d, want 0", n)
		}

		// With the mail server down the extension stands and its notice
		// waits in the outbox.
		second := hs.verified("ja", dsr.Disclosure, "noboru@example.jp", "")
		waitBacklog(t, hs, 0)
		hs.smtp.Close()
		got, err = hs.h.Extend(ctx, second.ID, 30, "年末年始の休日のため", "staff@example.jp")
		if err != nil || !got.Extension.Done() {
			t.Errorf("Extend without mail = %+v, %v; want the extension", got.Extension, err)
		}
		waitBacklog(t, hs, 1)

		biz := newHarness(t, db, business(t))
		mine := biz.verified("en", dsr.Disclosure, "mio@example.jp", "")
		if n := biz.h.ExtensionDays(mine); n != 0 {
			t.Errorf("a business's ExtensionDays = %d, want 0", n)
		}
		if _, err := biz.h.Extend(ctx, mine.ID, 5, "busy", "staff@example.jp"); !errors.Is(err, dsr.ErrRegime) {
			t.Errorf("a business's Extend: %v, want ErrRegime", err)
		}
	})
}

// TestNoExtensionAfterDeadline: a deadline that has passed cannot be
// extended after the fact, which would take the request off the overdue
// list and tell the requester of an extension the law no longer allows.
func TestNoExtensionAfterDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		req := hs.verified("en", dsr.Disclosure, "late@example.jp", "")
		hs.clock.Advance(req.Deadline.Sub(hs.clock.Now()) + time.Hour)
		late, err := hs.h.Get(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !late.Overdue {
			t.Fatalf("the request is not overdue an hour after its deadline: %+v", late)
		}
		if n := hs.h.ExtensionDays(late); n != 0 {
			t.Errorf("ExtensionDays of an overdue request = %d, want 0", n)
		}
		if _, err := hs.h.Extend(ctx, req.ID, 10, "too late", "staff@example.jp"); !errors.Is(err, dsr.ErrState) {
			t.Errorf("Extend of an overdue request: %v, want ErrState", err)
		}
		if got, err := hs.h.Get(ctx, req.ID); err != nil || got.Extension.Done() || !got.Overdue {
			t.Errorf("after a refused extension: %+v, %v; want it overdue and not extended", got, err)
		}
	})
}

// TestStaffNotesRefuseControlCharacters: a note or a reason with control
// characters is refused before anything is saved, rather than saving an
// extension whose notice the mail then cannot carry.
func TestStaffNotesRefuseControlCharacters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hs := newHarness(t, db)
		req := hs.verified("en", dsr.Disclosure, "notes@example.jp", "")
		for _, text := range []string{"line\x00break", "escape\x1b[2J", "sep\u2028arator", "bell\a"} {
			if err := hs.h.RecordIdentity(ctx, req.ID, dsr.OtherMeans, text, "staff@example.jp"); !errors.Is(err, dsr.ErrInput) {
				t.Errorf("RecordIdentity with note %q: %v, want ErrInput", text, err)
			}
			if _, err := hs.h.Extend(ctx, req.ID, 10, text, "staff@example.jp"); !errors.Is(err, dsr.ErrInput) {
				t.Errorf("Extend with reason %q: %v, want ErrInput", text, err)
			}
		}
		got, err := hs.h.Get(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Identity.Recorded() || got.Extension.Done() {
			t.Errorf("after refused notes: %+v; want nothing recorded", got)
		}
		if err := hs.h.RecordIdentity(ctx, req.ID, dsr.OtherMeans, "checked by video call\nwith the form", "staff@example.jp"); err != nil {
			t.Errorf("RecordIdentity with a two-line note: %v", err)
		}
	})
}
