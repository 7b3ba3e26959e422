package account_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/account"
)

func TestRoles(t *testing.T) {
	want := []account.Role{account.Owner, account.Analyst, account.Handler, account.Contractor, account.Auditor}
	if got := account.Roles(); !slices.Equal(got, want) {
		t.Errorf("Roles() = %v, want %v (most powerful first)", got, want)
	}
}

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want account.Role
	}{
		{"owner", account.Owner},
		{"OWNER", account.Owner},
		{" Analyst ", account.Analyst},
		{"\thandler\n", account.Handler},
		{"Contractor", account.Contractor},
		{"auditor", account.Auditor},
	} {
		got, err := account.ParseRole(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q, nil", tc.in, got, err, tc.want)
		}
	}
}

func TestParseRoleUnknown(t *testing.T) {
	for _, in := range []string{"", " ", "admin", "own er", "owners", "所有者"} {
		got, err := account.ParseRole(in)
		if err == nil {
			t.Errorf("ParseRole(%q) = %q, nil; want an error", in, got)
			continue
		}
		if got != "" {
			t.Errorf("ParseRole(%q) returned role %q with its error", in, got)
		}
		msg := err.Error()
		if !strings.Contains(msg, "owner, analyst, handler, contractor, auditor") {
			t.Errorf("ParseRole(%q) error %q does not list the roles", in, msg)
		}
		if !strings.Contains(msg, `"`+in+`"`) {
			t.Errorf("ParseRole(%q) error %q does not quote the input", in, msg)
		}
	}
}

// permissions is the column order of the matrix in TestPermissionMatrix.
var permissions = []account.Permission{
	account.Console,
	account.ManageUsers,
	account.ReadAudit,
	account.ReadAnalytics,
	account.ReadConsentStats,
	account.ReadPolicy,
	account.HandleSubmissions,
	account.HandleRequests,
	account.ManageSearch,
	account.ReadScans,
	account.RunScans,
	account.ReadMail,
	account.ManageMail,
}

// TestPermissionMatrix spells out every grant, so that any change to what
// a role may do has to change this test too.
func TestPermissionMatrix(t *testing.T) {
	const Y, n = true, false
	matrix := map[account.Role][]bool{
		//                  console users  audit  analytics consent policy submissions requests search scans run-scans mail manage-mail
		account.Owner:      {Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y, Y},
		account.Analyst:    {Y, n, n, Y, Y, Y, n, n, n, n, n, n, n},
		account.Handler:    {Y, n, n, n, n, n, Y, Y, n, n, n, n, n},
		account.Contractor: {Y, n, n, n, n, n, Y, n, n, n, n, n, n},
		account.Auditor:    {Y, n, Y, n, n, n, n, n, n, Y, n, Y, n},
	}
	for _, r := range account.Roles() {
		row, ok := matrix[r]
		if !ok {
			t.Errorf("role %q has no row in the expected matrix", r)
			continue
		}
		for i, p := range permissions {
			if got := r.Can(p); got != row[i] {
				t.Errorf("%s.Can(%s) = %v, want %v", r, p, got, row[i])
			}
		}
	}
	if len(matrix) != len(account.Roles()) {
		t.Errorf("the matrix has %d roles, Roles() %d", len(matrix), len(account.Roles()))
	}
	for _, r := range []account.Role{"", "admin", "OWNER"} {
		for _, p := range permissions {
			if r.Can(p) {
				t.Errorf("unknown role %q can %s", r, p)
			}
		}
	}
	for _, p := range []account.Permission{"", "users", "everything"} {
		if account.Owner.Can(p) {
			t.Errorf("owner can unknown permission %q", p)
		}
	}
}

func TestReadsPersonalData(t *testing.T) {
	for _, tc := range []struct {
		role account.Role
		want bool
	}{
		{account.Owner, true},
		{account.Analyst, false},
		{account.Handler, true},
		{account.Contractor, true},
		{account.Auditor, false},
		{"admin", false},
	} {
		if got := tc.role.ReadsPersonalData(); got != tc.want {
			t.Errorf("%q.ReadsPersonalData() = %v, want %v", tc.role, got, tc.want)
		}
	}
}

// delegation is who may issue a token acting as whom: rows are the
// account's role, columns the token's, in the order of Roles().
var delegation = map[account.Role][]bool{
	//                  owner  analyst handler contractor auditor
	account.Owner:      {true, true, true, true, true},
	account.Analyst:    {false, true, false, false, false},
	account.Handler:    {false, false, true, false, false},
	account.Contractor: {false, false, false, true, false},
	account.Auditor:    {false, false, false, false, true},
}

func TestMayDelegate(t *testing.T) {
	for _, r := range account.Roles() {
		for j, tr := range account.Roles() {
			if got, want := r.MayDelegate(tr), delegation[r][j]; got != want {
				t.Errorf("%s.MayDelegate(%s) = %v, want %v", r, tr, got, want)
			}
		}
	}
}

func TestFormScoped(t *testing.T) {
	for _, tc := range []struct {
		role account.Role
		want bool
	}{
		{account.Owner, false},
		{account.Analyst, false},
		{account.Handler, true},
		{account.Contractor, true},
		{account.Auditor, false},
	} {
		if got := tc.role.FormScoped(); got != tc.want {
			t.Errorf("%s.FormScoped() = %v, want %v", tc.role, got, tc.want)
		}
	}
}
