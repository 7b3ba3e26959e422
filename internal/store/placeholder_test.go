package store

import (
	"strings"
	"testing"
)

func TestRewritePlaceholders(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"none", "SELECT 1", "SELECT 1"},
		{"one", "SELECT $1", "SELECT ?1"},
		{"several", "INSERT INTO t (a, b) VALUES ($1, $2)", "INSERT INTO t (a, b) VALUES (?1, ?2)"},
		{"two digits", "SELECT $10, $1", "SELECT ?10, ?1"},
		{"repeated", "SELECT $1 WHERE a = $1", "SELECT ?1 WHERE a = ?1"},
		{"no space", "a=$1,b=$2", "a=?1,b=?2"},
		{"parenthesised", "($1)", "(?1)"},
		{"at end", "LIMIT $3", "LIMIT ?3"},
		{"in string", "SELECT '$1', $1", "SELECT '$1', ?1"},
		{"doubled quote", "SELECT 'it''s $1', $2", "SELECT 'it''s $1', ?2"},
		{"unterminated string", "SELECT $1, 'abc $2", "SELECT ?1, 'abc $2"},
		{"quoted identifier", `SELECT "$1", "a""$2", $3`, `SELECT "$1", "a""$2", ?3`},
		{"backquoted identifier", "SELECT `$1`, $2", "SELECT `$1`, ?2"},
		{"bracketed identifier", "SELECT [$1], $2", "SELECT [$1], ?2"},
		{"line comment", "SELECT $1 -- $2\n, $3", "SELECT ?1 -- $2\n, ?3"},
		{"line comment at end", "SELECT $1 -- $2", "SELECT ?1 -- $2"},
		{"block comment", "SELECT /* $1 */ $2", "SELECT /* $1 */ ?2"},
		{"unterminated block comment", "SELECT $1 /* $2", "SELECT ?1 /* $2"},
		{"minus is not a comment", "SELECT $1-$2", "SELECT ?1-?2"},
		{"slash is not a comment", "SELECT $1/$2", "SELECT ?1/?2"},
		{"dollar in identifier", "SELECT a$1, $1", "SELECT a$1, ?1"},
		{"dollar after digit", "SELECT $1$2", "SELECT $1$2"},
		{"identifier after number", "SELECT $1abc", "SELECT $1abc"},
		{"dollar without digits", "SELECT $a, $, $$", "SELECT $a, $, $$"},
		{"dollar quote", "SELECT $$ x $$", "SELECT $$ x $$"},
		{"number before dollar", "SELECT 1$1", "SELECT 1$1"},
		{"non-ASCII identifier", "SELECT é$1, $2", "SELECT é$1, ?2"},
		{"cast", "SELECT $1::text", "SELECT ?1::text"},
		{"blob literal", "SELECT x'24', $1", "SELECT x'24', ?1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewritePlaceholders(tt.in); got != tt.want {
				t.Errorf("rewritePlaceholders(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRebindLeavesPostgresAlone(t *testing.T) {
	const q = "SELECT $1, '$2'"
	if got := Postgres.rebind(q); got != q {
		t.Errorf("Postgres.rebind(%q) = %q", q, got)
	}
	if got, want := SQLite.rebind(q), "SELECT ?1, '$2'"; got != want {
		t.Errorf("SQLite.rebind(%q) = %q, want %q", q, got, want)
	}
}

// FuzzRewritePlaceholders checks the rewriter's invariants on any text: it
// never panics, changes nothing but a '$' before digits into '?', and
// rewriting twice changes nothing more.
func FuzzRewritePlaceholders(f *testing.F) {
	for _, seed := range []string{
		"SELECT $1",
		"SELECT '$1', \"$2\", `$3`, [$4], $5 -- $6\n/* $7 */ $8",
		"a$1 $1$2 $1abc $$ $",
		"'unterminated $1",
		"/* unterminated $1",
		"[unterminated $1",
		"\xff$1\x00$2",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		got := rewritePlaceholders(query)
		if len(got) != len(query) {
			t.Fatalf("length changed: %q -> %q", query, got)
		}
		for i := range len(query) {
			if got[i] == query[i] {
				continue
			}
			if query[i] != '$' || got[i] != '?' || i+1 >= len(query) || !isDigit(query[i+1]) {
				t.Fatalf("byte %d changed from %q to %q: %q -> %q", i, query[i], got[i], query, got)
			}
		}
		if !strings.Contains(query, "$") && got != query {
			t.Fatalf("query without '$' changed: %q -> %q", query, got)
		}
		if again := rewritePlaceholders(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", query, got, again)
		}
	})
}

func TestIsSelect(t *testing.T) {
	tests := []struct {
		query string
		want  bool
	}{
		{"SELECT 1", true},
		{"select 1", true},
		{"  \n\tSeLeCt * FROM t", true},
		{"-- comment\nSELECT 1", true},
		{"/* comment */ SELECT 1", true},
		{"SELECT", true},
		{"SELECT(1)", true},
		{"INSERT INTO t VALUES (1) RETURNING id", false},
		{"WITH x AS (SELECT 1) SELECT * FROM x", false},
		{"SELECTED", false},
		{"PRAGMA journal_mode", false},
		{"", false},
		{"-- only a comment", false},
		{"/* unterminated SELECT", false},
	}
	for _, tt := range tests {
		if got := isSelect(tt.query); got != tt.want {
			t.Errorf("isSelect(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}

func BenchmarkRewritePlaceholders(b *testing.B) {
	const q = `INSERT INTO policy_versions (hash, version, effective, first_served, manifest, policy_ja, policy_en)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING -- first serving wins`
	b.SetBytes(int64(len(q)))
	for b.Loop() {
		rewritePlaceholders(q)
	}
}
