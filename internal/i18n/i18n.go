// Package i18n is Noren's one catalogue of messages: every text that Go code
// or a template shows a visitor or an operator, in every language Noren
// speaks, under one key.
//
// The catalogue is data, not code: locales/<lang>/<area>.json, one file per
// language and area (a capability such as contact, or the console's shell).
// A language is the folder; adding one means adding a folder of files with
// the same keys, which Load checks. Texts with verbs are formats for
// fmt.Sprintf, and Load checks that every language's text of a key takes
// the same arguments.
package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Lang is a language Noren speaks, as a BCP 47 primary tag ("ja", "en").
type Lang string

// The languages of the built-in catalogue.
const (
	Japanese Lang = "ja"
	English  Lang = "en"
)

// Fallback is the language of a text asked for in a language the
// catalogue lacks: the one most visitors from abroad read.
const Fallback = English

//go:embed locales
var locales embed.FS

// Catalog holds every message in every language. It is immutable once
// loaded and safe for concurrent use.
type Catalog struct {
	langs []Lang
	texts map[Lang]map[string]string
}

// Default returns the catalogue built into Noren. Its files are checked by
// the package's tests, so a failure to load them is a build defect.
var Default = sync.OnceValue(func() *Catalog {
	c, err := Load(locales)
	if err != nil {
		panic(err)
	}
	return c
})

// T is Default().T: the text of key in lang.
func T(lang Lang, key string, args ...any) string { return Default().T(lang, key, args...) }

// Load reads a catalogue from fsys, laid out as locales/<lang>/<area>.json,
// each file a JSON object of keys and texts. It refuses a key defined twice,
// a key missing from a language, an empty text, and texts of one key whose
// format verbs differ between languages.
func Load(fsys fs.FS) (*Catalog, error) {
	dirs, err := fs.ReadDir(fsys, "locales")
	if err != nil {
		return nil, fmt.Errorf("i18n: read locales: %w", err)
	}
	c := &Catalog{texts: make(map[Lang]map[string]string)}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		lang := Lang(d.Name())
		texts, err := loadLang(fsys, path.Join("locales", d.Name()))
		if err != nil {
			return nil, err
		}
		c.langs = append(c.langs, lang)
		c.texts[lang] = texts
	}
	if len(c.langs) == 0 {
		return nil, errors.New("i18n: no language in locales")
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

func loadLang(fsys fs.FS, dir string) (map[string]string, error) {
	files, err := fs.Glob(fsys, dir+"/*.json")
	if err != nil {
		return nil, fmt.Errorf("i18n: list %s: %w", dir, err)
	}
	texts := make(map[string]string)
	where := make(map[string]string)
	for _, file := range files {
		raw, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", file, err)
		}
		pairs, err := decodeObject(raw)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", file, err)
		}
		for _, p := range pairs {
			if prev, dup := where[p[0]]; dup {
				return nil, fmt.Errorf("i18n: %s: key %q is already defined in %s", file, p[0], prev)
			}
			if strings.TrimSpace(p[1]) == "" {
				return nil, fmt.Errorf("i18n: %s: key %q has an empty text", file, p[0])
			}
			where[p[0]] = file
			texts[p[0]] = p[1]
		}
	}
	return texts, nil
}

// decodeObject reads a flat JSON object of strings in order, refusing a key
// given twice, which encoding/json would silently let the last one win.
func decodeObject(raw []byte) ([][2]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var pairs [][2]string
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		var text string
		if err := dec.Decode(&text); err != nil {
			return nil, fmt.Errorf("key %q: the text must be a string: %w", key, err)
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q is given twice", key)
		}
		seen[key] = true
		pairs = append(pairs, [2]string{key, text})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("text after the JSON object")
	}
	return pairs, nil
}

// check verifies that every language has every key, with the same verbs.
func (c *Catalog) check() error {
	var errs []error
	for _, key := range c.Keys() {
		var first Lang
		for _, lang := range c.langs {
			text, ok := c.texts[lang][key]
			if !ok {
				errs = append(errs, fmt.Errorf("i18n: key %q has no %s text", key, lang))
				continue
			}
			if first == "" {
				first = lang
				continue
			}
			if a, b := verbs(c.texts[first][key]), verbs(text); !slices.Equal(a, b) {
				errs = append(errs, fmt.Errorf("i18n: key %q: the %s text takes %v but the %s text takes %v", key, first, a, lang, b))
			}
		}
	}
	return errors.Join(errs...)
}

// verbs lists a format's verbs in argument order; explicit argument indexes
// ("%[2]s") let a language put them in its own order.
func verbs(format string) []string {
	var out []string
	next := 1
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		if j < len(format) && format[j] == '%' {
			i = j
			continue
		}
		arg := next
		if j < len(format) && format[j] == '[' {
			end := strings.IndexByte(format[j:], ']')
			if end > 0 {
				fmt.Sscanf(format[j+1:j+end], "%d", &arg)
				j += end + 1
			}
		}
		for j < len(format) && strings.IndexByte("+-# 0123456789.", format[j]) >= 0 {
			j++
		}
		if j < len(format) {
			for len(out) < arg {
				out = append(out, "")
			}
			out[arg-1] = string(format[j])
			next = arg + 1
		}
		i = j
	}
	return out
}

// Langs returns the catalogue's languages, in folder order.
func (c *Catalog) Langs() []Lang { return slices.Clone(c.langs) }

// Keys returns every key of the catalogue, sorted.
func (c *Catalog) Keys() []string {
	set := make(map[string]bool)
	for _, texts := range c.texts {
		for k := range texts {
			set[k] = true
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether key is in the catalogue.
func (c *Catalog) Has(key string) bool {
	_, ok := c.texts[c.langs[0]][key]
	return ok
}

// Supports reports whether the catalogue has texts in lang.
func (c *Catalog) Supports(lang Lang) bool {
	_, ok := c.texts[lang]
	return ok
}

// T returns the text of key in lang, formatted with args when there are
// any. A language the catalogue lacks gets the Fallback text; an unknown
// key comes back as itself, which the tests of every template and caller
// catch.
func (c *Catalog) T(lang Lang, key string, args ...any) string {
	texts, ok := c.texts[lang]
	if !ok {
		texts = c.texts[Fallback]
	}
	s, ok := texts[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Country names the country of the ISO 3166 code code in lang, from the
// catalogue's country.<CODE> texts, or gives the code back when the
// catalogue has no name for it.
func (c *Catalog) Country(lang Lang, code string) string {
	if key := "country." + strings.ToUpper(code); c.Has(key) {
		return c.T(lang, key)
	}
	return code
}

// Country is Default().Country: the name of the country of code in lang.
func Country(lang Lang, code string) string { return Default().Country(lang, code) }

// Funcs returns the template functions that reach the catalogue: t takes
// the page's language and a key, and any arguments of its format, as in
// {{t .Lang "contact.send"}}.
func (c *Catalog) Funcs() map[string]any {
	return map[string]any{
		"t": func(lang any, key string, args ...any) string {
			return c.T(Lang(fmt.Sprint(lang)), key, args...)
		},
	}
}
