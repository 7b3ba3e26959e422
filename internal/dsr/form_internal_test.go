package dsr

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/manifest"
	"github.com/noren-web/noren/internal/vault"
)

// FuzzParseForm feeds the request form parser arbitrary bodies: it never
// panics, whatever it keeps for the page is valid UTF-8, and what it
// accepts is a request the handler can store and mail.
func FuzzParseForm(f *testing.F) {
	for _, seed := range []string{
		"kind=deletion&email=a%40example.jp&confirm=yes",
		"kind=correction&email=a%40example.jp&details=%E8%A8%82%E6%AD%A3&confirm=yes",
		"kind=correction&email=a%40example.jp&details=%00%ff&confirm=yes",
		"kind=disclosure&email=Taro+%3Ctaro%40example.jp%3E&confirm=yes",
		"kind=x&kind=deletion&email=%40&confirm=no",
		"kind=cessation&email=a%40example.jp&name=%E6%B8%AF&address=%E6%B8%AF%E7%94%BA&target=%E8%A8%98%E9%8C%B2&details=%E6%B6%88%E5%8E%BB&confirm=yes",
		"kind=disclosure&email=a%40example.jp&name=a%0Ab&address=%09&target=x&confirm=yes",
	} {
		f.Add(seed, "ja")
	}
	f.Fuzz(func(t *testing.T, body, lang string) {
		values, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		// The regime alternates with the body, so both are explored.
		m := regimeManifest(Business)
		if len(body)%2 == 1 {
			m = regimeManifest(PublicBody)
		}
		in, errs := parseForm(values, lang, m)
		texts := in.Email + in.Name + in.Address + in.Target + in.Details
		if !utf8.ValidString(texts) {
			t.Fatalf("kept invalid UTF-8: %+v", in)
		}
		if RegimeOf(m) == Business && in.Name+in.Address+in.Target != "" {
			t.Fatalf("a business's form kept a public body's fields: %+v", in)
		}
		for _, e := range errs {
			if e.Text == "" || !strings.HasPrefix(e.Href(), "#dsr-") {
				t.Fatalf("error %+v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		if !RegimeOf(m).Offers(in.Kind) || !in.Confirm {
			t.Fatalf("accepted kind %q under %s, confirm %v", in.Kind, RegimeOf(m), in.Confirm)
		}
		if _, err := vault.NormalizeSubject(in.Email); err != nil || len(in.Email) > maxEmail {
			t.Fatalf("accepted address %q: %v", in.Email, err)
		}
		if n := utf8.RuneCountInString(in.Details); n > maxDetails || in.Kind == Correction && n == 0 {
			t.Fatalf("accepted %d characters of details for %s", n, in.Kind)
		}
		if strings.ContainsFunc(texts, isControl) {
			t.Fatalf("accepted control characters: %+v", in)
		}
		if RegimeOf(m) != PublicBody {
			return
		}
		for _, f := range []struct {
			s   string
			max int
		}{{in.Name, maxName}, {in.Address, maxAddress}, {in.Target, maxTarget}} {
			if n := utf8.RuneCountInString(f.s); n == 0 || n > f.max {
				t.Fatalf("accepted %d characters where 1 to %d are allowed: %+v", n, f.max, in)
			}
		}
		if strings.ContainsAny(in.Name+in.Address, "\t\n") {
			t.Fatalf("accepted a name or address of several lines: %+v", in)
		}
		if in.Kind == Cessation && in.Details == "" {
			t.Fatalf("accepted a cessation without its reasons: %+v", in)
		}
	})
}

// TestToken: a token checks with its own secret only, and any change to
// it is refused.
func TestToken(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	token, hash := newToken(secret)
	got, err := checkToken(secret, token)
	if err != nil || !bytes.Equal(got, hash) {
		t.Fatalf("checkToken(own) = %x, %v", got, err)
	}
	if _, err := checkToken(bytes.Repeat([]byte{8}, 32), token); err == nil {
		t.Error("a token checked with another secret")
	}
	for i := range len(token) {
		b := []byte(token)
		b[i] ^= 1
		if _, err := checkToken(secret, string(b)); err == nil {
			t.Errorf("a token with byte %d changed checked", i)
		}
	}
	if strings.Contains(token, "=") || len(token) != tokenLen {
		t.Errorf("token %q: want %d characters of base64url without padding", token, tokenLen)
	}
}

// TestTextsInCatalogue checks the texts whose message keys are built at
// run time or kept in tables, out of sight of the catalogue's own tests:
// each kind's name and description, each problem an address can have, and
// each problem of each text control, in every language.
func TestTextsInCatalogue(t *testing.T) {
	addresses := []string{"", strings.Repeat("a", maxEmail) + "@example.jp", "山田@example.jp", "not an address"}
	for _, lang := range i18n.Default().Langs() {
		l := string(lang)
		var texts []string
		for _, r := range []Regime{Business, PublicBody} {
			texts = append(texts, Title(l, r))
			// Every kind, offered or not: a stored request keeps its kind.
			for _, k := range Kinds {
				texts = append(texts, k.Label(l, r), k.Description(l, r))
			}
			_, errs := parseForm(url.Values{"kind": {string(Deletion)}}, l, regimeManifest(r))
			for _, e := range errs {
				texts = append(texts, e.Text)
			}
		}
		for _, a := range addresses {
			_, errs := parseForm(url.Values{"email": {a}}, l, regimeManifest(Business))
			n := len(texts)
			for _, e := range errs {
				if e.Field == idEmail {
					texts = append(texts, e.Text)
				}
			}
			if len(texts) != n+1 {
				t.Errorf("%s: address %q: %d problems, want 1", lang, a, len(texts)-n)
			}
		}
		for _, f := range []textField{nameField, addressField, targetField, detailsField, reasonsField} {
			for _, s := range []string{"", strings.Repeat("x", f.max+1), "\x00"} {
				if key, args := f.check(&s, true); key != "" {
					texts = append(texts, i18n.T(lang, key, args...))
				} else {
					t.Errorf("%s: %q passes the check of %s", lang, s, f.id)
				}
			}
		}
		for _, text := range texts {
			if strings.HasPrefix(text, "dsr.") || strings.Contains(text, "%!") {
				t.Errorf("%s: no text for the message key %s", lang, text)
			}
		}
	}
}

// regimeManifest is a manifest whose operator is under r.
func regimeManifest(r Regime) *manifest.Manifest {
	m := &manifest.Manifest{Operator: manifest.Operator{Name: manifest.Text{"ja": "みなとベイ市", "en": "Minato Bay City"}, Regime: manifest.RegimeBusiness}}
	if r == PublicBody {
		m.Operator.Regime = manifest.RegimeLocalGovernment
	}
	return m
}
