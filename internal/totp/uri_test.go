package totp

import (
	"net/url"
	"testing"
)

func TestURI(t *testing.T) {
	const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	const params = "&algorithm=SHA1&digits=6&period=30"
	tests := []struct {
		name    string
		issuer  string
		account string
		want    string
	}{
		{
			"plain",
			"Noren", "admin@example.com",
			"otpauth://totp/Noren:admin@example.com?secret=" + secret + "&issuer=Noren" + params,
		},
		{
			"spaces, Japanese and plus",
			"東京都 管理", "a+b@example.com",
			"otpauth://totp/%E6%9D%B1%E4%BA%AC%E9%83%BD%20%E7%AE%A1%E7%90%86:a%2Bb@example.com?secret=" + secret +
				"&issuer=%E6%9D%B1%E4%BA%AC%E9%83%BD%20%E7%AE%A1%E7%90%86" + params,
		},
		{
			"separators inside names",
			"A:B&C", "x?y#z/w",
			"otpauth://totp/A%3AB%26C:x%3Fy%23z%2Fw?secret=" + secret + "&issuer=A%3AB%26C" + params,
		},
		{
			"no issuer",
			"", "admin",
			"otpauth://totp/admin?secret=" + secret + params,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := URI(tt.issuer, tt.account, rfcSecret)
			if got != tt.want {
				t.Fatalf("URI =\n  %s\nwant\n  %s", got, tt.want)
			}
			checkURIRoundTrip(t, got, tt.issuer, tt.account)
		})
	}
}

// checkURIRoundTrip parses uri as a standard URL parser would and checks
// that the issuer, account and secret come back unchanged.
func checkURIRoundTrip(t *testing.T, uri, issuer, account string) {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("url.Parse: %v", err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("scheme %q host %q, want otpauth and totp", u.Scheme, u.Host)
	}
	wantLabel := "/" + account
	if issuer != "" {
		wantLabel = "/" + issuer + ":" + account
	}
	if u.Path != wantLabel {
		t.Errorf("decoded label %q, want %q", u.Path, wantLabel)
	}
	q := u.Query()
	if got := q.Get("issuer"); got != issuer {
		t.Errorf("decoded issuer %q, want %q", got, issuer)
	}
	secret, err := DecodeSecret(q.Get("secret"))
	if err != nil || string(secret) != string(rfcSecret) {
		t.Errorf("decoded secret %q, %v", secret, err)
	}
}
