// Package account keeps the accounts of Noren's administration console:
// who they are, their role, how they sign in (argon2id passwords, TOTP,
// lockout after repeated failures), their server-side sessions and their
// API tokens.
package account

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Errors a caller tells apart.
var (
	ErrNotFound  = errors.New("account: no such account")
	ErrExists    = errors.New("account: an account with this e-mail address exists")
	ErrDisabled  = errors.New("account: the account is disabled")
	ErrExpired   = errors.New("account: the account's access has expired")
	ErrLastOwner = errors.New("account: this is the last active owner; add another owner first")
)

// User is one console account.
type User struct {
	ID    int64
	Email string // lower case
	Name  string
	Role  Role
	// Forms are the ids of the forms a handler or contractor may read.
	Forms []string
	// ExpiresAt ends a contractor's access; zero means no end.
	ExpiresAt time.Time
	// Lang is the console language the person chose; empty follows the
	// browser.
	Lang              string
	PasswordHash      string
	PasswordChangedAt time.Time
	// TOTPSecret is the base32 secret of the authenticator app; empty when
	// none is enrolled.
	TOTPSecret   string
	TOTPLastStep int64
	FailedLogins int
	LockedUntil  time.Time
	DisabledAt   time.Time
	CreatedAt    time.Time
	LastLoginAt  time.Time
}

// Usable reports why the account may not be used at now, or nil.
func (u User) Usable(now time.Time) error {
	switch {
	case !u.DisabledAt.IsZero():
		return ErrDisabled
	case !u.ExpiresAt.IsZero() && !now.Before(u.ExpiresAt):
		return ErrExpired
	}
	return nil
}

// Locked reports whether too many wrong passwords have locked the account
// at now.
func (u User) Locked(now time.Time) bool {
	return !u.LockedUntil.IsZero() && now.Before(u.LockedUntil)
}

// HasTOTP reports whether an authenticator app is enrolled.
func (u User) HasTOTP() bool { return u.TOTPSecret != "" }

// MayHandleForm reports whether the account may read the submissions of
// the form: owners read all, handlers and contractors those assigned to
// them, others none.
func (u User) MayHandleForm(form string) bool {
	switch {
	case !u.Role.Can(HandleSubmissions):
		return false
	case u.Role.FormScoped():
		return slices.Contains(u.Forms, form)
	}
	return true
}

// Profile is what an owner sets when adding or changing an account.
type Profile struct {
	Email     string
	Name      string
	Role      Role
	Forms     []string
	ExpiresAt time.Time
}

// normalize cleans the profile and reports every rule it breaks.
func (p *Profile) normalize(now time.Time) error {
	var errs []error
	email, err := NormalizeEmail(p.Email)
	if err != nil {
		errs = append(errs, err)
	}
	p.Email = email
	p.Name = strings.TrimSpace(p.Name)
	if r, err := ParseRole(string(p.Role)); err != nil {
		errs = append(errs, err)
	} else {
		p.Role = r
	}
	forms := make([]string, 0, len(p.Forms))
	for _, f := range p.Forms {
		f = strings.TrimSpace(f)
		if f != "" && !formID.MatchString(f) {
			errs = append(errs, fmt.Errorf("%q is not a form id (lower-case letters, digits, '-' and '_')", f))
			continue
		}
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	slices.Sort(forms)
	p.Forms = forms
	switch {
	case p.Role.FormScoped() && len(p.Forms) == 0:
		errs = append(errs, fmt.Errorf("the role %s needs at least one form", p.Role))
	case !p.Role.FormScoped() && len(p.Forms) > 0:
		errs = append(errs, fmt.Errorf("only handlers and contractors are assigned forms, not the role %s", p.Role))
	}
	switch {
	case p.Role == Contractor && p.ExpiresAt.IsZero():
		errs = append(errs, errors.New("a contractor needs an expiry date: entrusted access must end"))
	case !p.ExpiresAt.IsZero() && !p.ExpiresAt.After(now):
		errs = append(errs, fmt.Errorf("the expiry %s is in the past", p.ExpiresAt.Format(time.DateOnly)))
	}
	return errors.Join(errs...)
}

// formID is the manifest's pattern for ids; forms are stored joined by
// commas, which it excludes.
var formID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// NormalizeEmail checks an e-mail address and returns it trimmed and in
// lower case, the form accounts are stored and looked up in.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", errors.New("an e-mail address is required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", fmt.Errorf("%q is not an e-mail address", s)
	}
	return s, nil
}
