package report

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/i18n"
	"github.com/noren-web/noren/internal/scan/visit"
	"github.com/noren-web/noren/internal/timefmt"
)

// Bounds of the compact lists in the inventory, which would otherwise
// repeat a site's every page on every row.
const (
	maxPagesListed      = 5
	maxInitiatorsListed = 5
)

// inventory is everything one state showed, each thing once.
type inventory struct {
	ID         string
	Title      string
	Reached    bool
	Note       string
	Cookies    []cookieRow
	Storage    []storageRow
	Recipients []recipientRow
	Frames     []frameRow
	Failed     []failedRow
}

type cookieRow struct {
	Name, Domain, Path, Lifetime, Expires, Flags, Party, SetByKind, SetBy, Pages string
	thirdParty                                                                   bool
}

type storageRow struct {
	Kind, Origin, Key, SetBy, Pages string
}

type recipientRow struct {
	Host       string
	Requests   int
	Initiators []string
	More       string
	Pages      string
}

type frameRow struct {
	URL, Host, Pages string
}

type failedRow struct {
	Page, Status, Error string
}

// pageSet gathers the pages a thing was seen on, in visit order, once each.
type pageSet struct {
	pages []string
	seen  map[string]bool
}

func (p *pageSet) add(page string) {
	if p.seen == nil {
		p.seen = make(map[string]bool)
	}
	if !p.seen[page] {
		p.seen[page] = true
		p.pages = append(p.pages, page)
	}
}

func inventories(lang i18n.Lang, res *visit.Result, loc *time.Location) []inventory {
	base, _ := url.Parse(res.Start)
	var out []inventory
	for _, st := range res.States {
		out = append(out, buildInventory(lang, st, base, loc))
	}
	return out
}

func buildInventory(lang i18n.Lang, st visit.StateResult, base *url.URL, loc *time.Location) inventory {
	inv := inventory{
		ID:      fmt.Sprintf("%s-inventory-%s", lang, st.State),
		Title:   stateTitle(lang, st.State),
		Reached: st.Reached,
		Note:    st.Note,
	}
	type cookieKey struct{ name, domain, path string }
	type storageKey struct{ kind, origin, key string }
	var (
		cookies    = make(map[cookieKey]*cookieAcc)
		storage    = make(map[storageKey]*storageAcc)
		recipients = make(map[string]*recipientAcc)
		frames     = make(map[string]*frameAcc)
	)
	total := len(st.Pages)
	for _, p := range st.Pages {
		page := shortURL(base, p.URL)
		if p.Error != "" {
			status := "—"
			if p.Status != 0 {
				status = strconv.Itoa(p.Status)
			}
			inv.Failed = append(inv.Failed, failedRow{Page: page, Status: status, Error: p.Error})
		}
		for _, c := range p.Cookies {
			k := cookieKey{c.Name, c.Domain, c.Path}
			a := cookies[k]
			if a == nil {
				// The first sighting is kept: its SetBy is the most
				// likely to have been told, before later pages.
				a = &cookieAcc{c: c}
				cookies[k] = a
			}
			if a.c.SetBy == "" && c.SetBy != "" {
				a.c.SetBy, a.c.SetByKind = c.SetBy, c.SetByKind
			}
			a.pages.add(page)
		}
		for _, s := range p.Storage {
			k := storageKey{s.Kind, s.Origin, s.Key}
			a := storage[k]
			if a == nil {
				a = &storageAcc{s: s}
				storage[k] = a
			}
			if a.s.SetBy == "" {
				a.s.SetBy = s.SetBy
			}
			a.pages.add(page)
		}
		for _, rq := range p.Requests {
			a := recipients[rq.Host]
			if a == nil {
				a = &recipientAcc{initiators: make(map[string]bool)}
				recipients[rq.Host] = a
			}
			a.requests++
			if rq.Initiator != "" {
				a.initiators[rq.Initiator] = true
			}
			a.pages.add(page)
		}
		for _, f := range p.Frames {
			a := frames[f.URL]
			if a == nil {
				a = &frameAcc{f: f}
				frames[f.URL] = a
			}
			a.pages.add(page)
		}
	}

	for _, a := range cookies {
		c := a.c
		party := i18n.T(lang, "scan.report.first_party")
		if c.ThirdParty {
			party = i18n.T(lang, "scan.report.third_party")
		}
		row := cookieRow{
			Name: c.Name, Domain: c.Domain, Path: c.Path,
			Lifetime:   lifetime(lang, c.Expires.Sub(c.Seen), c.Expires.IsZero()),
			Flags:      flags(c),
			Party:      party,
			thirdParty: c.ThirdParty,
			SetBy:      c.SetBy,
			Pages:      compactPages(lang, a.pages.pages, total),
		}
		if !c.Expires.IsZero() {
			row.Expires = i18n.T(lang, "scan.report.until", timefmt.Instant(string(lang), c.Expires, loc))
		}
		if c.SetByKind != "" {
			row.SetByKind = known(lang, "scan.report.set_by."+c.SetByKind, c.SetByKind)
		}
		inv.Cookies = append(inv.Cookies, row)
	}
	slices.SortFunc(inv.Cookies, func(a, b cookieRow) int {
		return cmp.Or(compareBool(a.thirdParty, b.thirdParty), cmp.Compare(a.Domain, b.Domain), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Path, b.Path))
	})

	for _, a := range storage {
		inv.Storage = append(inv.Storage, storageRow{
			Kind: subjectKind(lang, a.s.Kind), Origin: a.s.Origin, Key: a.s.Key, SetBy: a.s.SetBy,
			Pages: compactPages(lang, a.pages.pages, total),
		})
	}
	slices.SortFunc(inv.Storage, func(a, b storageRow) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Origin, b.Origin), cmp.Compare(a.Key, b.Key))
	})

	for host, a := range recipients {
		row := recipientRow{Host: host, Requests: a.requests, Pages: compactPages(lang, a.pages.pages, total)}
		initiators := make([]string, 0, len(a.initiators))
		for i := range a.initiators {
			initiators = append(initiators, i)
		}
		slices.Sort(initiators)
		if len(initiators) > maxInitiatorsListed {
			row.More = i18n.T(lang, "scan.report.more", len(initiators)-maxInitiatorsListed)
			initiators = initiators[:maxInitiatorsListed]
		}
		row.Initiators = initiators
		inv.Recipients = append(inv.Recipients, row)
	}
	// The busiest recipients first: they are what a reader looks for.
	slices.SortFunc(inv.Recipients, func(a, b recipientRow) int {
		return cmp.Or(cmp.Compare(b.Requests, a.Requests), cmp.Compare(a.Host, b.Host))
	})

	for u, a := range frames {
		inv.Frames = append(inv.Frames, frameRow{URL: u, Host: a.f.Host, Pages: compactPages(lang, a.pages.pages, total)})
	}
	slices.SortFunc(inv.Frames, func(a, b frameRow) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.URL, b.URL))
	})
	return inv
}

type cookieAcc struct {
	c     visit.Cookie
	pages pageSet
}

type storageAcc struct {
	s     visit.StorageKey
	pages pageSet
}

type recipientAcc struct {
	requests   int
	initiators map[string]bool
	pages      pageSet
}

type frameAcc struct {
	f     visit.Frame
	pages pageSet
}

// flags writes a cookie's attributes as they are written in Set-Cookie.
func flags(c visit.Cookie) string {
	var f []string
	if c.HTTPOnly {
		f = append(f, "HttpOnly")
	}
	if c.Secure {
		f = append(f, "Secure")
	}
	if c.SameSite != "" {
		f = append(f, "SameSite="+c.SameSite)
	}
	if len(f) == 0 {
		return "—"
	}
	return strings.Join(f, " ")
}

// compactPages lists the pages a thing was seen on: "all N pages" when it
// was on every page of the state, else the first few and how many more.
func compactPages(lang i18n.Lang, pages []string, total int) string {
	if total > 1 && len(pages) == total {
		return i18n.T(lang, "scan.report.all_pages", total)
	}
	sep := i18n.T(lang, "scan.report.separator")
	if len(pages) <= maxPagesListed {
		return strings.Join(pages, sep)
	}
	return strings.Join(pages[:maxPagesListed], sep) + sep + count(lang, "scan.report.more_pages", len(pages)-maxPagesListed)
}

// compareBool orders false before true: first-party cookies before
// third-party ones.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
