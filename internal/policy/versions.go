package policy

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/store"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Version is one published version of the policy documents: a manifest as
// it was first served, with the policies rendered from it then.
type Version struct {
	// Hash is the manifest's content hash, which identifies the version.
	Hash string
	// Version is the operator's version label, policy.version.
	Version string
	// Effective is the date the version took effect, YYYY-MM-DD.
	Effective string
	// FirstServed is when a server first served the version, in UTC.
	FirstServed time.Time
	// Manifest is the manifest's canonical JSON.
	Manifest string
	// PolicyJA and PolicyEN are the privacy policy followed by the cookie
	// policy, as Markdown; empty for a language the manifest lacked.
	PolicyJA, PolicyEN string
}

// Label is the version as shown to visitors: the operator's label with the
// short content hash, as manifest.Manifest.VersionLabel gives it.
func (v Version) Label() string {
	return fmt.Sprintf("%s (%s)", v.Version, shortHash(v.Hash))
}

// Policy returns the recorded Markdown in lang, or "".
func (v Version) Policy(lang string) string {
	switch lang {
	case "ja":
		return v.PolicyJA
	case "en":
		return v.PolicyEN
	}
	return ""
}

// changes returns the manifest's summary of what changed in the version,
// policy.changes, in lang, or "" when it gave none.
func (v Version) changes(lang string) string {
	// The canonical JSON names fields as the Go struct does.
	var doc struct {
		Policy struct {
			Changes manifest.Text
		}
	}
	if err := json.Unmarshal([]byte(v.Manifest), &doc); err != nil {
		return ""
	}
	return doc.Policy.Changes.In(lang)
}

// Versions records and lists the published policy versions in the
// policy_versions table. It is safe for concurrent use, also by several
// processes sharing one database.
type Versions struct {
	db *store.DB
	r  *documents
}

// NewVersions returns the version records kept in db, which must be
// migrated.
func NewVersions(db *store.DB) *Versions {
	return &Versions{db: db, r: mustDocuments()}
}

// Record stores m as a published version first served at now, unless a
// version with the same content hash is already recorded. It reports
// whether it added one. Concurrent calls with the same manifest add it
// once.
func (v *Versions) Record(ctx context.Context, m *manifest.Manifest, now time.Time) (added bool, err error) {
	canon, err := m.Canonical()
	if err != nil {
		return false, fmt.Errorf("policy: record version %s: %w", m.VersionLabel(), err)
	}
	texts := map[string]string{}
	for _, lang := range manifest.SupportedLanguages {
		if !slices.Contains(m.Languages, lang) {
			continue
		}
		text, err := v.r.recordText(m, lang)
		if err != nil {
			return false, fmt.Errorf("policy: record version %s: %w", m.VersionLabel(), err)
		}
		texts[lang] = text
	}
	query, err := v.db.Dialect().ReadQuery(queryFiles, "queries/record")
	if err != nil {
		return false, fmt.Errorf("policy: record version: %w", err)
	}
	res, err := v.db.ExecContext(ctx, query,
		m.Hash(), m.Policy.Version, m.Policy.Effective.String(), now, string(canon), texts["ja"], texts["en"])
	if err != nil {
		return false, fmt.Errorf("policy: record version %s: %w", m.VersionLabel(), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("policy: record version %s: %w", m.VersionLabel(), err)
	}
	return n > 0, nil
}

// List returns every recorded version, newest first.
func (v *Versions) List(ctx context.Context) ([]Version, error) {
	query, err := v.db.Dialect().ReadQuery(queryFiles, "queries/list")
	if err != nil {
		return nil, fmt.Errorf("policy: list versions: %w", err)
	}
	rows, err := v.db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("policy: list versions: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var ver Version
		if err := rows.Scan(&ver.Hash, &ver.Version, &ver.Effective, &ver.FirstServed, &ver.Manifest, &ver.PolicyJA, &ver.PolicyEN); err != nil {
			return nil, fmt.Errorf("policy: list versions: %w", err)
		}
		out = append(out, ver)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("policy: list versions: %w", err)
	}
	return out, nil
}
