package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/goldentest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// tricky is an entry whose text exercises every escaping rule of the
// canonical form.
func tricky() audit.Entry {
	return audit.Entry{
		At:      base.Add(time.Hour),
		Actor:   "担当者@example.jp",
		Role:    "handler",
		Action:  "submission.read",
		Object:  "form:contact/\"17\"\\<b>&amp;",
		Purpose: "問い合わせ対応",
		Outcome: audit.OK,
		Address: "2001:db8::/48",
		Detail:  map[string]string{"z": "tab\there\nnew\x01\x1f\x7f", "a": "line\u2028sep 🍣", "M": ""},
	}
}

// goldenTrail appends the golden file's entries to a fresh trail.
func goldenTrail(t *testing.T, db *store.DB) *audit.Trail {
	t.Helper()
	trail := audit.New(db)
	appendSamples(t, trail, 5)
	if _, err := trail.Append(context.Background(), tricky()); err != nil {
		t.Fatal(err)
	}
	return trail
}

// TestExportGolden pins the export format and, through the hashes in it,
// the canonical form: a change to either would break every trail already
// written. Both backends must write the same bytes.
func TestExportGolden(t *testing.T) {
	golden := filepath.Join("testdata", "export.jsonl")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var buf bytes.Buffer
		n, err := goldenTrail(t, db).Export(context.Background(), &buf, audit.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if n != 6 {
			t.Errorf("Export wrote %d entries, want 6 (Limit is ignored)", n)
		}
		if db.Dialect() == store.SQLite {
			goldentest.Check(t, golden, buf.Bytes())
			return
		}
		// The other backends are held to SQLite's file, -update or not.
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("export differs from %s, which SQLite's matches:\n%s", golden, goldentest.FirstDifference(want, buf.Bytes()))
		}
	})
}

func TestExportLines(t *testing.T) {
	db := storetest.SQLite(t)
	trail := goldenTrail(t, db)
	var buf bytes.Buffer
	if _, err := trail.Export(context.Background(), &buf, audit.Filter{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 6", len(lines))
	}
	want := []string{"action", "actor", "address", "at", "detail", "hash", "object", "outcome", "prev_hash", "purpose", "role", "seq"}
	for i, line := range lines {
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range fields {
				if !yield(k) {
					return
				}
			}
		})
		if !slices.Equal(keys, want) {
			t.Errorf("line %d has keys %v, want %v", i+1, keys, want)
		}
		if seq := fields["seq"].(float64); seq != float64(i+1) {
			t.Errorf("line %d holds entry %v: not oldest first", i+1, seq)
		}
		if _, ok := fields["detail"].(map[string]any); !ok {
			t.Errorf("line %d: detail is %T, want an object even when empty", i+1, fields["detail"])
		}
	}
}

func TestExportFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		trail := audit.New(db)
		appendSamples(t, trail, 10)
		tests := []struct {
			name string
			f    audit.Filter
			want []int64
		}{
			{"since and until", audit.Filter{Since: base.Add(3 * time.Second), Until: base.Add(6 * time.Second)}, []int64{4, 5, 6}},
			{"actor", audit.Filter{Actor: "cli"}, []int64{3, 6, 9}},
			{"before", audit.Filter{BeforeSeq: 3}, []int64{1, 2}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var buf bytes.Buffer
				n, err := trail.Export(ctx, &buf, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				dec := json.NewDecoder(&buf)
				for dec.More() {
					var line struct{ Seq int64 }
					if err := dec.Decode(&line); err != nil {
						t.Fatal(err)
					}
					got = append(got, line.Seq)
				}
				if !slices.Equal(got, tt.want) || n != int64(len(tt.want)) {
					t.Errorf("Export wrote %v (n=%d), want %v", got, n, tt.want)
				}
			})
		}
	})
}

// TestVerifyExportAgreesWithDatabase exports a trail and checks the file
// verifies on its own to the head the database reports.
func TestVerifyExportAgreesWithDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		trail := goldenTrail(t, db)
		var buf bytes.Buffer
		if _, err := trail.Export(ctx, &buf, audit.Filter{}); err != nil {
			t.Fatal(err)
		}
		fromDB, err := trail.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		fromFile, err := audit.VerifyExport(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if fromFile.Problem != nil || fromFile != fromDB {
			t.Errorf("export verifies as %+v (%v), database as %+v", fromFile, fromFile.Problem, fromDB)
		}
	})
}

func TestVerifyExportOfLaterStretch(t *testing.T) {
	db := storetest.SQLite(t)
	trail := audit.New(db)
	entries := appendSamples(t, trail, 8)
	var buf bytes.Buffer
	if _, err := trail.Export(context.Background(), &buf, audit.Filter{Since: entries[4].At}); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.VerifyExport(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil || rep.First != 5 || rep.Entries != 4 || rep.Head.Seq != 8 {
		t.Errorf("VerifyExport = %+v, problem %v; want entries 5 to 8", rep, rep.Problem)
	}
	head := audit.Head{Seq: 2, Hash: entries[1].Hash}
	if _, err := audit.VerifyExportHead(bytes.NewReader(buf.Bytes()), &head); err == nil {
		t.Error("VerifyExportHead accepted a head from before the export's first entry")
	}
}

// TestVerifyExportNamesTamperedEntry edits an export file as someone who
// received it might, and checks VerifyExport names the entry.
func TestVerifyExportNamesTamperedEntry(t *testing.T) {
	db := storetest.SQLite(t)
	trail := audit.New(db)
	entries := appendSamples(t, trail, 6)
	var buf bytes.Buffer
	if _, err := trail.Export(context.Background(), &buf, audit.Filter{}); err != nil {
		t.Fatal(err)
	}
	original := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	head := audit.Head{Seq: 6, Hash: entries[5].Hash}

	tests := []struct {
		name     string
		edit     func(lines []string) []string
		expect   *audit.Head
		wantSeq  int64
		wantKind string
	}{
		{"one byte of the action", func(l []string) []string {
			l[2] = strings.Replace(l[2], `"submission.read"`, `"submission.reed"`, 1)
			return l
		}, nil, 3, audit.KindAltered},
		{"one byte breaking the JSON", func(l []string) []string {
			l[3] = strings.Replace(l[3], `"actor":`, `"actor";`, 1)
			return l
		}, nil, 4, audit.KindAltered},
		{"one byte of the sequence number", func(l []string) []string {
			l[2] = strings.Replace(l[2], `{"seq":3,`, `{"seq":4,`, 1)
			return l
		}, nil, 3, audit.KindAltered},
		{"line removed", func(l []string) []string { return slices.Delete(l, 2, 3) }, nil, 3, audit.KindRemoved},
		{"first line removed reads as a later stretch", func(l []string) []string { return l[1:] }, nil, 0, ""},
		{"lines swapped", func(l []string) []string {
			l[2], l[4] = l[4], l[2]
			return l
		}, nil, 3, audit.KindReordered},
		{"line repeated", func(l []string) []string { return slices.Insert(l, 3, l[2]) }, nil, 4, audit.KindReordered},
		{"last line removed", func(l []string) []string { return l[:5] }, &head, 6, audit.KindTruncated},
		{"duplicate key", func(l []string) []string {
			l[1] = strings.Replace(l[1], `"role":`, `"role":"owner","role":`, 1)
			return l
		}, nil, 2, audit.KindAltered},
		{"unknown key", func(l []string) []string {
			l[1] = strings.Replace(l[1], `{"seq"`, `{"note":"x","seq"`, 1)
			return l
		}, nil, 2, audit.KindAltered},
		{"detail key added", func(l []string) []string {
			l[0] = strings.Replace(l[0], `"detail":{`, `"detail":{"extra":"1",`, 1)
			return l
		}, nil, 1, audit.KindAltered},
		{"blank lines and CRLF are no change", func(l []string) []string {
			return []string{"", l[0] + "\r", l[1], "  ", l[2], l[3], l[4], l[5], ""}
		}, &head, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := tt.edit(slices.Clone(original))
			rep, err := audit.VerifyExportHead(strings.NewReader(strings.Join(lines, "\n")+"\n"), tt.expect)
			if err != nil {
				t.Fatal(err)
			}
			p := rep.Problem
			switch {
			case tt.wantKind == "" && p != nil:
				t.Errorf("VerifyExport = %v, want intact", p)
			case tt.wantKind != "" && (p == nil || p.Seq != tt.wantSeq || p.Kind != tt.wantKind):
				t.Errorf("VerifyExport = %v, want entry %d %s", p, tt.wantSeq, tt.wantKind)
			}
			if p != nil {
				t.Log(p)
			}
		})
	}
}

// TestGoldenExportMatchesDocumentedRecipe re-verifies the golden export
// the way the package documentation tells an auditor to, with no code of
// the package: plain JSON of the array, hashed. Only the entries whose
// text encoding/json writes as RFC 8785 does are checked this way; the
// tricky one is covered by the canonical form's own test.
func TestGoldenExportMatchesDocumentedRecipe(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "export.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	prev := strings.Repeat("0", 64)
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var l struct {
			Seq                                                    int64
			At                                                     string
			Actor, Role, Action, Object, Purpose, Outcome, Address string
			Detail                                                 map[string]string
			PrevHash                                               string `json:"prev_hash"`
			Hash                                                   string
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l.PrevHash != prev {
			t.Errorf("line %d: prev_hash does not match the hash of the line before", i+1)
		}
		prev = l.Hash
		if l.Seq > 5 {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, l.At)
		if err != nil {
			t.Fatal(err)
		}
		e := audit.Entry{Seq: l.Seq, At: at, Actor: l.Actor, Role: l.Role, Action: l.Action, Object: l.Object,
			Purpose: l.Purpose, Outcome: audit.Outcome(l.Outcome), Address: l.Address, Detail: l.Detail, PrevHash: l.PrevHash}
		if got := outsideHash(t, e); got != l.Hash {
			t.Errorf("line %d: the recipe gives %s, the export says %s", i+1, got, l.Hash)
		}
	}
}
