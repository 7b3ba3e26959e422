package dsr

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/vault"
)

// Errors the console methods wrap; match them with errors.Is.
var (
	// ErrNotFound means there is no request with the id.
	ErrNotFound = errors.New("dsr: no such request")
	// ErrState means the request is not in a state that allows the
	// action: not verified yet, or already closed.
	ErrState = errors.New("dsr: the request is not open")
	// ErrKind means the action does not answer the request's kind.
	ErrKind = errors.New("dsr: the action does not fit the kind of request")
	// ErrIdentity means a public body's request cannot be decided before
	// the requester's identity is recorded as verified (Art. 77).
	ErrIdentity = errors.New("dsr: the requester's identity is not recorded as verified")
	// ErrRecorded means what was to be recorded once already is: the
	// identity, or an extension.
	ErrRecorded = errors.New("dsr: already recorded")
	// ErrRegime means the operator's regime has no such step: only a
	// public body extends a deadline.
	ErrRegime = errors.New("dsr: not under the operator's regime")
	// ErrInput means a value given to a console method is not acceptable.
	ErrInput = errors.New("dsr: invalid input")
)

// VaultKind is the kind of the vault records that hold requests. A
// disclosure lists the person's earlier requests among their records;
// they belong to no form.
const VaultKind = vaultKind

// maxNote bounds a status note, in characters.
const maxNote = 500

// Request is a request as the console lists it: nothing personal.
type Request struct {
	ID        string
	Reference string
	Kind      Kind
	Status    Status
	Lang      string
	Created   time.Time
	Updated   time.Time
	// Verified and Deadline are zero until the link is followed.
	Verified time.Time
	Deadline time.Time
	// Overdue is set for an open request past its deadline.
	Overdue bool
	// Matches is how many vault records about the address were found
	// when the request was verified.
	Matches int
	// Note is the remark left with the last change of status.
	Note string
	// Identity is how the requester's identity was verified; its At is
	// zero until it is recorded.
	Identity Identity
	// Extension is the extension of the deadline; its At is zero unless
	// the deadline was extended.
	Extension Extension

	vaultID string
}

// Identity is the record of how staff verified a requester's identity.
type Identity struct {
	Means IdentityMeans
	// Note says more about the means, without personal data.
	Note string
	// By is the staff account that recorded it, At when.
	By string
	At time.Time
}

// Recorded reports whether the identity has been recorded as verified.
func (i Identity) Recorded() bool { return !i.At.IsZero() }

// Extension is the record of a deadline extended with notice.
type Extension struct {
	// From is the deadline before the extension.
	From time.Time
	// Reason is the reason the person was told.
	Reason string
	// By is the staff account that extended it, At when.
	By string
	At time.Time
}

// Done reports whether the deadline was extended.
func (e Extension) Done() bool { return !e.At.IsZero() }

// Filter selects requests for List. The zero Filter lists the latest 100.
type Filter struct {
	// Status and Kind, when set, keep only requests of that status and
	// kind.
	Status Status
	Kind   Kind
	// Overdue keeps only open requests past their deadline.
	Overdue bool
	// Limit is the most requests returned, newest first: 1 to 1000; 0
	// means 100.
	Limit int
}

// Submission is what the person gave: their address and, for a
// correction, what to correct. A public body's requester also gave their
// name, their 住所又は居所 and what identifies the information asked
// about, and for a correction or a cessation its 趣旨及び理由 (Details).
type Submission struct {
	Email                 string
	Name, Address, Target string
	Details               string
}

// Export is what a disclosure sends the person: the records held about
// them, decrypted, in a machine-readable form.
type Export struct {
	Reference string         `json:"reference"`
	Generated time.Time      `json:"generated"`
	Records   []ExportRecord `json:"records"`
	// Unavailable counts the records found at verification that are gone
	// since (shredded at the end of their retention period, say).
	Unavailable int `json:"unavailable"`
}

// ExportRecord is one record of an Export.
type ExportRecord struct {
	Form    string    `json:"form"`
	Kind    string    `json:"kind"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// Fields is what the record holds: its data as stored when that is
	// JSON, else {"text": data}.
	Fields json.RawMessage `json:"fields"`
}

// List returns the requests f selects, newest first.
func (h *Handler) List(ctx context.Context, f Filter) ([]Request, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > 1000:
		return nil, fmt.Errorf("dsr: list: limit %d: want 1 to 1000", limit)
	}
	if f.Status != "" && !f.Status.Valid() || f.Kind != "" && !f.Kind.Valid() {
		return nil, fmt.Errorf("dsr: list: unknown status %q or kind %q", f.Status, f.Kind)
	}
	now := h.now()
	var overdueAt *time.Time
	if f.Overdue {
		overdueAt = &now
	}
	rows, err := h.opt.DB.QueryContext(ctx, h.q["list"], string(f.Status), string(f.Kind), overdueAt, limit)
	if err != nil {
		return nil, fmt.Errorf("dsr: list: %w", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		req, err := scanRequest(rows.Scan, now)
		if err != nil {
			return nil, fmt.Errorf("dsr: list: %w", err)
		}
		out = append(out, req)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dsr: list: %w", err)
	}
	return out, nil
}

// Get returns the request id.
func (h *Handler) Get(ctx context.Context, id string) (Request, error) {
	req, err := scanRequest(h.opt.DB.QueryRowContext(ctx, h.q["get"], id).Scan, h.now())
	if errors.Is(err, store.ErrNotFound) {
		return Request{}, fmt.Errorf("dsr: request %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Request{}, fmt.Errorf("dsr: request %s: %w", id, err)
	}
	return req, nil
}

func scanRequest(scan func(...any) error, now time.Time) (Request, error) {
	var (
		r                          Request
		kind, status, means        string
		verified, deadline         sql.NullTime
		identityAt, extFrom, extAt sql.NullTime
		matches                    sql.NullInt64
	)
	err := scan(&r.ID, &r.Reference, &kind, &status, &r.Lang, &r.Created, &r.Updated,
		&verified, &deadline, &matches, &r.Note, &r.vaultID,
		&means, &r.Identity.Note, &r.Identity.By, &identityAt,
		&extFrom, &r.Extension.Reason, &r.Extension.By, &extAt)
	if err != nil {
		return Request{}, err
	}
	r.Kind, r.Status = Kind(kind), Status(status)
	r.Verified, r.Deadline, r.Matches = verified.Time, deadline.Time, int(matches.Int64)
	r.Identity.Means, r.Identity.At = IdentityMeans(means), identityAt.Time
	r.Extension.From, r.Extension.At = extFrom.Time, extAt.Time
	r.Overdue = r.Status.Open() && deadline.Valid && now.After(deadline.Time)
	return r, nil
}

// Subject decrypts what the person of request id gave. The caller audits
// the access.
func (h *Handler) Subject(ctx context.Context, id string) (Submission, error) {
	req, err := h.Get(ctx, id)
	if err != nil {
		return Submission{}, err
	}
	rec, err := h.opt.Vault.Open(ctx, req.vaultID)
	if err != nil {
		return Submission{}, fmt.Errorf("dsr: subject of request %s: %w", id, err)
	}
	var sealed sealedRequest
	if err := json.Unmarshal(rec.Data, &sealed); err != nil {
		return Submission{}, fmt.Errorf("dsr: subject of request %s: decode: %w", id, err)
	}
	return Submission{Email: rec.Subject, Name: sealed.Name, Address: sealed.Address, Target: sealed.Target, Details: sealed.Details}, nil
}

// SetStatus moves the open request id to status (InProgress, Done or
// Rejected) with a note, which must not hold personal data. A public
// body's request is done only once the requester's identity is recorded
// (ErrIdentity); it may be rejected before, as when identity could not be
// verified. A business is not held to that: the e-mailed link shows the
// person controls the address the records are kept under, and recording
// the identity is left to the operator's own procedure.
func (h *Handler) SetStatus(ctx context.Context, id string, status Status, note string) error {
	if err := h.checkStatus(ctx, id, status, note); err != nil {
		return err
	}
	res, err := h.opt.DB.ExecContext(ctx, h.q["set-status"], id, string(status), note, h.now())
	if err != nil {
		return fmt.Errorf("dsr: set status of request %s: %w", id, err)
	}
	return h.changed(ctx, id, res)
}

// SetStatusAndMail sets the status of request id as SetStatus does and, in
// the same transaction, queues m, which announces the decision to the
// person: a disclosure is queued exactly when its request is closed.
func (h *Handler) SetStatusAndMail(ctx context.Context, id string, status Status, note string, m mail.Message) error {
	if err := h.checkStatus(ctx, id, status, note); err != nil {
		return err
	}
	if err := h.updateAndMail(ctx, id, "set-status", m, string(status), note, h.now()); err != nil {
		return fmt.Errorf("dsr: set status of request %s: %w", id, err)
	}
	return nil
}

// checkStatus refuses a status change SetStatus does not allow.
func (h *Handler) checkStatus(ctx context.Context, id string, status Status, note string) error {
	if status != InProgress && status != Done && status != Rejected {
		return fmt.Errorf("dsr: set status of request %s to %q: want %s, %s or %s: %w", id, status, InProgress, Done, Rejected, ErrInput)
	}
	if !validNote(note) {
		return fmt.Errorf("dsr: set status of request %s: the note must be valid UTF-8 of at most %d characters: %w", id, maxNote, ErrInput)
	}
	if status == Done {
		req, err := h.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := h.decidable(req); err != nil {
			return err
		}
	}
	return nil
}

// changed turns an update of an open request that changed nothing into
// ErrNotFound or ErrState.
func (h *Handler) changed(ctx context.Context, id string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("dsr: request %s: %w", id, err)
	}
	if n > 0 {
		return nil
	}
	return h.unchanged(ctx, id)
}

// unchanged explains an update of request id that changed nothing: the
// request is gone (ErrNotFound) or no longer open (ErrState).
func (h *Handler) unchanged(ctx context.Context, id string) error {
	req, err := h.Get(ctx, id)
	if err != nil {
		return err
	}
	return fmt.Errorf("dsr: request %s is %s: %w", id, req.Status, ErrState)
}

// Delete answers the open deletion or cessation request id: it shreds
// every vault record found about the address when the request was
// verified, marks the request done, and returns how many records it
// shredded. Records already shredded are skipped. The person's requests,
// this one and others, are kept until their retention ends: they hold the
// address each is answered at.
//
// Copies of the database taken before stay readable until the vault's
// key is rotated and the old one discarded (docs/vault.md).
func (h *Handler) Delete(ctx context.Context, id string) (int, error) {
	req, err := h.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	if req.Kind != Deletion && req.Kind != Cessation {
		return 0, fmt.Errorf("dsr: delete for request %s of kind %s: %w", id, req.Kind, ErrKind)
	}
	if !req.Status.Open() {
		return 0, fmt.Errorf("dsr: delete for request %s, which is %s: %w", id, req.Status, ErrState)
	}
	// Checked before anything is shredded: the request is closed after.
	if err := h.decidable(req); err != nil {
		return 0, err
	}
	ids, err := h.matches(ctx, id)
	if err != nil {
		return 0, err
	}
	shredded, kept := 0, 0
	for _, vid := range ids {
		// The person's other requests stay: they are how those requests
		// are answered, and they expire on their own.
		if rec, err := h.opt.Vault.Open(ctx, vid); err == nil && rec.Kind == vaultKind {
			kept++
			continue
		}
		err := h.opt.Vault.Shred(ctx, vid)
		switch {
		case errors.Is(err, vault.ErrShredded), errors.Is(err, vault.ErrNotFound):
		case err != nil:
			return shredded, fmt.Errorf("dsr: delete for request %s: %w", id, err)
		default:
			shredded++
		}
	}
	note := fmt.Sprintf("shredded %d of %d records; kept %d of the person's other requests", shredded, len(ids), kept)
	if err := h.SetStatus(ctx, id, Done, note); err != nil {
		return shredded, err
	}
	return shredded, nil
}

// Disclose decrypts every record found about the address of the open
// request id, for the console to send the person. The caller audits it.
func (h *Handler) Disclose(ctx context.Context, id string) (Export, error) {
	req, err := h.Get(ctx, id)
	if err != nil {
		return Export{}, err
	}
	if !req.Status.Open() {
		return Export{}, fmt.Errorf("dsr: disclose for request %s, which is %s: %w", id, req.Status, ErrState)
	}
	ids, err := h.matches(ctx, id)
	if err != nil {
		return Export{}, err
	}
	out := Export{Reference: req.Reference, Generated: h.now().UTC(), Records: []ExportRecord{}}
	for _, vid := range ids {
		rec, err := h.opt.Vault.Open(ctx, vid)
		if errors.Is(err, vault.ErrShredded) || errors.Is(err, vault.ErrNotFound) {
			out.Unavailable++
			continue
		}
		if err != nil {
			return Export{}, fmt.Errorf("dsr: disclose for request %s: %w", id, err)
		}
		out.Records = append(out.Records, ExportRecord{
			Form: rec.Form, Kind: rec.Kind, Created: rec.Created, Expires: rec.Expires,
			Fields: fieldsOf(rec.Data),
		})
	}
	return out, nil
}

// fieldsOf is a record's data as JSON: as it is when it is a JSON object,
// else as text.
func fieldsOf(data []byte) json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) == nil && obj != nil {
		return json.RawMessage(data)
	}
	text, _ := json.Marshal(map[string]string{"text": string(data)})
	return text
}

func (h *Handler) matches(ctx context.Context, id string) ([]string, error) {
	rows, err := h.opt.DB.QueryContext(ctx, h.q["matches"], id)
	if err != nil {
		return nil, fmt.Errorf("dsr: records of request %s: %w", id, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var vid string
		if err := rows.Scan(&vid); err != nil {
			return nil, fmt.Errorf("dsr: records of request %s: %w", id, err)
		}
		ids = append(ids, vid)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dsr: records of request %s: %w", id, err)
	}
	return ids, nil
}

// ExpireUnverified closes every request whose link expired before it was
// followed, and shreds what it holds: an address nobody confirmed is kept
// no longer than its link lived. It returns how many it closed. Run it
// with the daily retention job.
func (h *Handler) ExpireUnverified(ctx context.Context) (int, error) {
	now := h.now()
	rows, err := h.opt.DB.QueryContext(ctx, h.q["unverified"], now)
	if err != nil {
		return 0, fmt.Errorf("dsr: expire unverified requests: %w", err)
	}
	type pending struct{ id, vaultID string }
	var todo []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.vaultID); err != nil {
			rows.Close()
			return 0, fmt.Errorf("dsr: expire unverified requests: %w", err)
		}
		todo = append(todo, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("dsr: expire unverified requests: %w", err)
	}
	for i, p := range todo {
		if err := h.opt.Vault.Shred(ctx, p.vaultID); err != nil && !errors.Is(err, vault.ErrShredded) {
			return i, fmt.Errorf("dsr: expire request %s: %w", p.id, err)
		}
		if _, err := h.opt.DB.ExecContext(ctx, h.q["expire"], p.id, now); err != nil {
			return i, fmt.Errorf("dsr: expire request %s: %w", p.id, err)
		}
	}
	return len(todo), nil
}

// Regime is the regime of the manifest in force.
func (h *Handler) Regime() Regime { return RegimeOf(h.opt.Manifest()) }

// Location is the site's time zone, in whose calendar deadlines run.
func (h *Handler) Location() *time.Location { return h.opt.Location }

// decidable returns ErrIdentity when req is a public body's and its
// requester's identity is not recorded yet.
func (h *Handler) decidable(req Request) error {
	if h.Regime() == PublicBody && !req.Identity.Recorded() {
		return fmt.Errorf("dsr: decide request %s: %w", req.ID, ErrIdentity)
	}
	return nil
}

// validNote reports whether a staff note or reason may be stored and, for
// an extension, mailed: valid UTF-8, short enough, and free of the control
// characters a mail header or body would refuse after the change was saved.
func validNote(note string) bool {
	return utf8.ValidString(note) && utf8.RuneCountInString(note) <= maxNote && !strings.ContainsFunc(note, isControl)
}

// RecordIdentity records, once, that the requester of the open request id
// was verified by means, with a note (required for OtherMeans, and without
// personal data), by the staff account by. The caller audits it.
func (h *Handler) RecordIdentity(ctx context.Context, id string, means IdentityMeans, note, by string) error {
	switch {
	case !means.Valid():
		return fmt.Errorf("dsr: record identity for request %s: unknown means %q: %w", id, means, ErrInput)
	case !validNote(note):
		return fmt.Errorf("dsr: record identity for request %s: the note must be valid UTF-8 of at most %d characters: %w", id, maxNote, ErrInput)
	case means == OtherMeans && note == "":
		return fmt.Errorf("dsr: record identity for request %s: other means need a note saying which: %w", id, ErrInput)
	case by == "":
		return fmt.Errorf("dsr: record identity for request %s: who verified it is required: %w", id, ErrInput)
	}
	res, err := h.opt.DB.ExecContext(ctx, h.q["record-identity"], id, string(means), note, by, h.now().UTC())
	if err != nil {
		return fmt.Errorf("dsr: record identity for request %s: %w", id, err)
	}
	if err := h.changed(ctx, id, res); err != nil {
		if req, gerr := h.Get(ctx, id); gerr == nil && req.Identity.Recorded() {
			return fmt.Errorf("dsr: record identity for request %s: %w", id, ErrRecorded)
		}
		return err
	}
	return nil
}

// ExtensionDays is how many calendar days, at most, the deadline of req
// may be extended by now: none unless the operator is a public body, the
// request is open, of a kind chapter 5 knows, and its deadline was not
// extended before and has not passed: an extension is decided within the
// period it extends.
func (h *Handler) ExtensionDays(req Request) int {
	m := h.opt.Manifest()
	if RegimeOf(m) != PublicBody || !PublicBody.Offers(req.Kind) || !req.Status.Open() || req.Extension.Done() || req.Deadline.IsZero() ||
		h.now().After(req.Deadline) {
		return 0
	}
	return extensionDays(m, req.Deadline, h.opt.Location)
}

// Extend extends, once, the deadline of a public body's open request id by
// days calendar days, at most the manifest's requests.extension, for
// reason, which must not hold personal data, and queues, in the same
// transaction, the mail telling the person the new deadline and the
// reason, as Art. 83(2) requires. by is the staff account. It returns the
// request as extended. The caller audits it.
func (h *Handler) Extend(ctx context.Context, id string, days int, reason, by string) (Request, error) {
	req, err := h.Get(ctx, id)
	if err != nil {
		return Request{}, err
	}
	switch {
	case h.Regime() != PublicBody:
		return Request{}, fmt.Errorf("dsr: extend request %s: only a public body extends a deadline: %w", id, ErrRegime)
	case !req.Status.Open():
		return Request{}, fmt.Errorf("dsr: extend request %s, which is %s: %w", id, req.Status, ErrState)
	case req.Extension.Done():
		return Request{}, fmt.Errorf("dsr: extend request %s: %w", id, ErrRecorded)
	case h.now().After(req.Deadline):
		// Extending a missed deadline after the fact would hide that it
		// was missed.
		return Request{}, fmt.Errorf("dsr: extend request %s: its deadline passed on %s: %w", id, req.Deadline.Format(time.RFC3339), ErrState)
	case !PublicBody.Offers(req.Kind):
		// A request of a kind chapter 5 does not know, stored while the
		// operator was a business, has no statutory deadline to extend.
		return Request{}, fmt.Errorf("dsr: extend request %s of kind %s: %w", id, req.Kind, ErrKind)
	}
	if most := h.ExtensionDays(req); days < 1 || days > most {
		return Request{}, fmt.Errorf("dsr: extend request %s by %d days: want 1 to %d: %w", id, days, most, ErrInput)
	}
	if reason == "" || !validNote(reason) || by == "" {
		return Request{}, fmt.Errorf("dsr: extend request %s: a reason of at most %d characters and who extends it are required: %w", id, maxNote, ErrInput)
	}
	// The notice goes to the address the person confirmed.
	rec, err := h.opt.Vault.Open(ctx, req.vaultID)
	if err != nil {
		return Request{}, fmt.Errorf("dsr: extend request %s: %w", id, err)
	}
	now := h.now().UTC()
	extended := req
	extended.Deadline = extend(req.Deadline, days, h.opt.Location)
	extended.Extension = Extension{From: req.Deadline, Reason: reason, By: by, At: now}
	notice := extensionMail(h.opt.Manifest(), h.opt.Location, extended, rec.Subject)
	if err := h.updateAndMail(ctx, id, "extend", notice, extended.Deadline, reason, by, now); err != nil {
		return Request{}, fmt.Errorf("dsr: extend request %s: %w", id, err)
	}
	return h.Get(ctx, id)
}

// errUnchanged ends the transaction of updateAndMail when its update
// changed nothing.
var errUnchanged = errors.New("dsr: the request did not change")

// updateAndMail runs the update query of request id with args after the
// id and, in the same transaction, queues m, which announces the update.
// An update that changes nothing queues nothing and returns ErrNotFound or
// ErrState, as changed does.
func (h *Handler) updateAndMail(ctx context.Context, id, query string, m mail.Message, args ...any) error {
	err := h.opt.DB.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, h.q[query], append([]any{id}, args...)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errUnchanged
		}
		_, err = h.opt.Mailer.Enqueue(ctx, tx, m)
		return err
	})
	if errors.Is(err, errUnchanged) {
		return h.unchanged(ctx, id)
	}
	return err
}
