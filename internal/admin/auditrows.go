package admin

import (
	"strings"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
)

// auditRow is one audit entry as the console shows it, every word in the
// page's language. The action, role, actor and outcome are stored as codes
// (the export keeps them so); the page names them.
type auditRow struct {
	Seq     int64
	At      time.Time
	Actor   string
	Role    string
	Action  string
	Object  string // an identifier, shown as it is
	Purpose string
	Outcome string
	// Class is the stored outcome, for styling.
	Class   string
	Address string
}

// auditTable is what the audit-table partial reads.
type auditTable struct {
	Page Page
	Rows []auditRow
}

// auditRows names the entries' codes in lang; m names the purposes.
func auditRows(lang string, m *manifest.Manifest, entries []audit.Entry) []auditRow {
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{
			Seq:     e.Seq,
			At:      e.At,
			Actor:   auditActor(lang, e.Actor),
			Role:    auditRole(lang, e.Role),
			Action:  auditAction(lang, e.Action),
			Object:  e.Object,
			Purpose: auditPurpose(lang, m, e.Purpose),
			Outcome: translateOr(lang, "audit.outcome."+string(e.Outcome), string(e.Outcome)),
			Class:   string(e.Outcome),
			Address: e.Address,
		}
	}
	return rows
}

// auditAction names an action; one the catalogue lacks shows as its code.
func auditAction(lang, action string) string {
	return translateOr(lang, "audit.event."+action, action)
}

func auditRole(lang, role string) string {
	if i18n.Default().Has("role." + role) {
		return i18n.T(i18n.Lang(lang), "role."+role)
	}
	return translateOr(lang, "audit.role."+role, role)
}

// auditActor names the actors that are not people; a person is their
// address, and an API token's call names the token too.
func auditActor(lang, actor string) string {
	if who, hint, ok := strings.Cut(actor, " (token "); ok && strings.HasSuffix(hint, ")") {
		return i18n.T(i18n.Lang(lang), "audit.actor.token", who, strings.TrimSuffix(hint, ")"))
	}
	return translateOr(lang, "audit.actor."+actor, actor)
}

// auditPurpose names a stated purpose: one of the manifest's, or one of
// the console's own for reading a disclosure.
func auditPurpose(lang string, m *manifest.Manifest, id string) string {
	if id == "" {
		return ""
	}
	if m != nil {
		if p := m.Purpose(id); p != nil {
			return p.Name.In(lang)
		}
	}
	return translateOr(lang, "requests.purpose."+id, id)
}

// translateOr translates key, or returns fallback when the catalogue has
// no such message.
func translateOr(lang, key, fallback string) string {
	if !i18n.Default().Has(key) {
		return fallback
	}
	return i18n.T(i18n.Lang(lang), key)
}
