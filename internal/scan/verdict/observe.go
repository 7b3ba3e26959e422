package verdict

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/noren-web/noren/internal/scan/visit"
)

// key names a subject: a cookie by name and domain, a storage key by its
// kind, key and origin, a recipient by host.
type key struct {
	kind   string // a Subject constant
	name   string
	domain string // a cookie's domain without its leading dot, or a storage origin
}

// sighting is one place a subject was seen.
type sighting struct {
	ev Evidence
	// seen is when a cookie was read, so that ev.Expires-seen is its
	// lifetime.
	seen time.Time
}

// subject is everything seen of one cookie, storage key or recipient.
type subject struct {
	key
	// thirdParty is set for a cookie the browser filed as third-party,
	// and for a storage key of another origin than the site's.
	thirdParty bool
	sightings  []sighting
	// at holds the page, state and request of every sighting, so that
	// each is recorded once.
	at map[[3]string]bool
}

// states lists the states the subject was seen in, in States() order.
func (s *subject) states() []visit.State {
	var out []visit.State
	for _, st := range s.sightings {
		if !slices.Contains(out, st.ev.State) {
			out = append(out, st.ev.State)
		}
	}
	return out
}

// in returns the sightings in the states of states.
func (s *subject) in(states []visit.State) []sighting {
	var out []sighting
	for _, st := range s.sightings {
		if slices.Contains(states, st.ev.State) {
			out = append(out, st)
		}
	}
	return out
}

// observations are the subjects of a result, in the order first seen.
type observations struct {
	host     string // the site's own host
	subjects []*subject
	byKey    map[key]*subject
}

// observe gathers the subjects of every reached state of res, the states
// in States() order and the pages in the order visited.
func observe(res *visit.Result, own string) *observations {
	o := &observations{host: own, byKey: map[key]*subject{}}
	if res == nil {
		return o
	}
	for _, sr := range orderedStates(res.States) {
		if !sr.Reached {
			continue
		}
		for _, p := range sr.Pages {
			for _, c := range p.Cookies {
				k := key{kind: SubjectCookie, name: c.Name, domain: cookieDomain(c.Domain)}
				s := o.add(k, sighting{
					ev:   Evidence{Page: p.URL, State: sr.State, Initiator: c.SetBy, Expires: c.Expires},
					seen: c.Seen,
				})
				s.thirdParty = s.thirdParty || c.ThirdParty
			}
			for _, sk := range p.Storage {
				k := key{kind: sk.Kind, name: sk.Key, domain: sk.Origin}
				s := o.add(k, sighting{ev: Evidence{Page: p.URL, State: sr.State, Initiator: sk.SetBy}})
				if h := urlHost(sk.Origin); h != "" && h != own {
					s.thirdParty = true
				}
			}
			for _, r := range p.Requests {
				h := strings.ToLower(r.Host)
				if h == "" || h == own {
					continue
				}
				o.add(key{kind: SubjectRecipient, name: h}, sighting{
					ev: Evidence{Page: p.URL, State: sr.State, Request: r.URL, Initiator: r.Initiator},
				})
			}
		}
	}
	return o
}

// add records a sighting of the subject k, once per page, state and
// request.
func (o *observations) add(k key, sg sighting) *subject {
	s := o.byKey[k]
	if s == nil {
		s = &subject{key: k, at: map[[3]string]bool{}}
		o.byKey[k] = s
		o.subjects = append(o.subjects, s)
	}
	at := [3]string{sg.ev.Page, string(sg.ev.State), sg.ev.Request}
	if !s.at[at] {
		s.at[at] = true
		s.sightings = append(s.sightings, sg)
	}
	return s
}

// orderedStates returns the states in States() order, others after them
// in the order given.
func orderedStates(in []visit.StateResult) []visit.StateResult {
	out := slices.Clone(in)
	slices.SortStableFunc(out, func(a, b visit.StateResult) int {
		return stateRank(a.State) - stateRank(b.State)
	})
	return out
}

func stateRank(s visit.State) int {
	if i := slices.Index(visit.States(), s); i >= 0 {
		return i
	}
	return len(visit.States())
}

// cookieDomain is a cookie's domain without the leading dot that marks
// one shared with subdomains, in lower case.
func cookieDomain(d string) string {
	return strings.ToLower(strings.TrimPrefix(d, "."))
}

// urlHost returns the host of an absolute URL or origin, in lower case and
// without a port, "" when there is none.
func urlHost(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// covers reports whether host is domain or under it.
func covers(domain, host string) bool {
	domain = cookieDomain(domain)
	return domain != "" && (host == domain || strings.HasSuffix(host, "."+domain))
}
