package verdict

import (
	"strings"

	"github.com/noren-web/noren/internal/scan/visit"
)

// summarise counts what each state saw, in the order of res.
func summarise(res *visit.Result, own string) []StateSummary {
	out := make([]StateSummary, 0, len(res.States))
	for _, sr := range res.States {
		sum := StateSummary{
			State: sr.State, Reached: sr.Reached, Choice: sr.Choice, Button: sr.Button, Note: sr.Note,
			Pages: len(sr.Pages),
		}
		cookies, storage, hosts := map[key]bool{}, map[key]bool{}, map[string]bool{}
		for _, p := range sr.Pages {
			if p.Error != "" {
				sum.Errors++
			}
			for _, c := range p.Cookies {
				cookies[key{kind: SubjectCookie, name: c.Name, domain: cookieDomain(c.Domain)}] = true
			}
			for _, s := range p.Storage {
				storage[key{kind: s.Kind, name: s.Key, domain: s.Origin}] = true
			}
			for _, rq := range p.Requests {
				if h := strings.ToLower(rq.Host); h != "" && h != own {
					hosts[h] = true
				}
			}
		}
		sum.Cookies, sum.Storage, sum.Recipients = len(cookies), len(storage), len(hosts)
		out = append(out, sum)
	}
	return out
}

// reached lists the states res reached, in States() order.
func reached(res *visit.Result) []visit.State {
	var out []visit.State
	for _, sr := range orderedStates(res.States) {
		if sr.Reached {
			out = append(out, sr.State)
		}
	}
	return out
}

// pagesOf lists every page URL of res once, in the order first visited.
func pagesOf(res *visit.Result) []string {
	out, seen := []string{}, map[string]bool{}
	for _, sr := range orderedStates(res.States) {
		for _, p := range sr.Pages {
			if !seen[p.URL] {
				seen[p.URL] = true
				out = append(out, p.URL)
			}
		}
	}
	return out
}
