package store

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoadMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"2026-11-30-10-later-same-day.sql":    {Data: []byte("-- 10")},
		"2026-11-30-2-earlier-same-day.sql":   {Data: []byte("-- 2")},
		"2026-11-29-1-first-sqlite.sql":       {Data: []byte("-- first sqlite")},
		"2026-11-29-1-first-postgres.sql":     {Data: []byte("-- first postgres")},
		"2027-01-01-1-next-year.sql":          {Data: []byte("-- next year")},
		"2026-12-01-1-before-next-year.sql":   {Data: []byte("-- december")},
		"2026-12-01-2-split-sqlite.sql":       {Data: []byte("-- split sqlite")},
		"2026-12-01-2-split-postgres.sql":     {Data: []byte("-- split postgres")},
		"2026-12-01-3-no-dialect-in-name.sql": {Data: []byte("-- shared")},
	}
	wantNames := []string{
		"2026-11-29-1-first",
		"2026-11-30-2-earlier-same-day",
		"2026-11-30-10-later-same-day",
		"2026-12-01-1-before-next-year",
		"2026-12-01-2-split",
		"2026-12-01-3-no-dialect-in-name",
		"2027-01-01-1-next-year",
	}
	for _, d := range []Dialect{SQLite, Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			ms, err := loadMigrations(fsys, ".", d)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range ms {
				names = append(names, m.name)
			}
			if !slices.Equal(names, wantNames) {
				t.Errorf("order:\n got %q\nwant %q", names, wantNames)
			}
			if want := "-- first " + d.String(); ms[0].sql != want {
				t.Errorf("first migration's SQL = %q, want %q", ms[0].sql, want)
			}
			if want := "-- shared"; ms[5].sql != want {
				t.Errorf("shared migration's SQL = %q, want %q", ms[5].sql, want)
			}
		})
	}
}

func TestLoadMigrationsRejects(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		wantErr string
	}{
		{"one variant only", []string{"2026-11-29-1-x-sqlite.sql"}, "only one dialect"},
		{"other variant only", []string{"2026-11-29-1-x-postgres.sql"}, "only one dialect"},
		{"shared and variant", []string{"2026-11-29-1-x.sql", "2026-11-29-1-x-sqlite.sql", "2026-11-29-1-x-postgres.sql"}, "both a shared file"},
		{"no date", []string{"policy-versions.sql"}, "want a name like"},
		{"no sequence", []string{"2026-11-29-policy-versions.sql"}, "want a name like"},
		{"upper case", []string{"2026-11-29-1-Policy.sql"}, "want a name like"},
		{"impossible date", []string{"2026-02-30-1-x.sql"}, "out of range"},
		{"huge sequence", []string{"2026-11-29-99999999999999999999-x.sql"}, "sequence number"},
		{"not sql", []string{"2026-11-29-1-x.txt"}, "not a .sql file"},
		{"same date and sequence", []string{"2026-11-29-1-a.sql", "2026-11-29-01-b.sql"}, "same date and sequence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys[f] = &fstest.MapFile{Data: []byte("SELECT 1")}
			}
			_, err := loadMigrations(fsys, ".", SQLite)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestEmbeddedMigrations checks the migrations that ship: they load for
// both dialects, to the same names in the same order.
func TestEmbeddedMigrations(t *testing.T) {
	lite, err := loadMigrations(migrationFiles, "migrations", SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := loadMigrations(migrationFiles, "migrations", Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("%d SQLite and %d PostgreSQL migrations", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].name != pg[i].name {
			t.Errorf("migration %d: %s on SQLite, %s on PostgreSQL", i, lite[i].name, pg[i].name)
		}
	}
	if lite[0].name != "2026-11-29-1-policy-versions" {
		t.Errorf("first migration = %s", lite[0].name)
	}
}

func TestReadQuery(t *testing.T) {
	fsys := fstest.MapFS{
		"list.sql":             {Data: []byte("shared list")},
		"upsert-sqlite.sql":    {Data: []byte("sqlite upsert")},
		"upsert-postgres.sql":  {Data: []byte("postgres upsert")},
		"override.sql":         {Data: []byte("shared override")},
		"override-sqlite.sql":  {Data: []byte("sqlite override")},
		"only-postgres-x.sql":  {Data: []byte("unrelated")},
		"only-postgres-sqlite": {Data: []byte("no extension")},
	}
	tests := []struct {
		dialect     Dialect
		name, want  string
		wantMissing bool
	}{
		{dialect: SQLite, name: "list", want: "shared list"},
		{dialect: Postgres, name: "list", want: "shared list"},
		{dialect: SQLite, name: "upsert", want: "sqlite upsert"},
		{dialect: Postgres, name: "upsert", want: "postgres upsert"},
		{dialect: SQLite, name: "override", want: "sqlite override"},
		{dialect: Postgres, name: "override", want: "shared override"},
		{dialect: SQLite, name: "only-postgres", wantMissing: true},
		{dialect: SQLite, name: "missing", wantMissing: true},
	}
	for _, tt := range tests {
		got, err := tt.dialect.ReadQuery(fsys, tt.name)
		switch {
		case tt.wantMissing && err == nil:
			t.Errorf("%v.ReadQuery(%q) = %q, want an error", tt.dialect, tt.name, got)
		case !tt.wantMissing && (err != nil || got != tt.want):
			t.Errorf("%v.ReadQuery(%q) = %q, %v; want %q", tt.dialect, tt.name, got, err, tt.want)
		}
	}
}
