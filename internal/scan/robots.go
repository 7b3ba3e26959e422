package scan

import (
	"bufio"
	"io"
	"strings"
)

// robots holds the rules of a robots.txt that apply to the scanner, and
// the sitemaps it names.
type robots struct {
	rules    []robotsRule
	sitemaps []string
}

type robotsRule struct {
	allow   bool
	pattern string
}

// maxRobotsSize is how much of a robots.txt is read, as RFC 9309 allows
// crawlers to limit it (to at least 500 KiB).
const maxRobotsSize = 512 << 10

// parseRobots reads a robots.txt (RFC 9309) for the user agent token
// agent: the rules of the groups that name it, or else of the groups for
// "*". Sitemap lines count wherever they stand.
func parseRobots(r io.Reader, agent string) *robots {
	agent = strings.ToLower(agent)
	out := &robots{}
	var mine, any []robotsRule
	var group []string // user agents of the group being read
	inRules := false   // the group's rules have started, so a user-agent line starts a new group
	sc := bufio.NewScanner(io.LimitReader(r, maxRobotsSize))
	sc.Buffer(make([]byte, 0, 4096), maxRobotsSize)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		switch key {
		case "user-agent":
			if inRules {
				group, inRules = nil, false
			}
			group = append(group, strings.ToLower(value))
		case "allow", "disallow":
			inRules = true
			if value == "" {
				continue // an empty disallow allows everything
			}
			rule := robotsRule{allow: key == "allow", pattern: value}
			for _, ua := range group {
				switch {
				case ua == "*":
					any = append(any, rule)
				case ua != "" && strings.Contains(agent, ua):
					mine = append(mine, rule)
				}
			}
		case "sitemap":
			if value != "" {
				out.sitemaps = append(out.sitemaps, value)
			}
		}
	}
	out.rules = any
	if mine != nil {
		out.rules = mine
	}
	return out
}

// allowed reports whether the rules let the scanner fetch a URL path (with
// its query): the longest matching rule decides, and allow wins a tie.
func (r *robots) allowed(urlPath string) bool {
	if urlPath == "/robots.txt" {
		return true
	}
	best, allow := -1, true
	for _, rule := range r.rules {
		if !robotsMatch(rule.pattern, urlPath) {
			continue
		}
		n := len(rule.pattern)
		if n > best || n == best && rule.allow {
			best, allow = n, rule.allow
		}
	}
	return allow
}

// robotsMatch matches a path against a robots.txt pattern, in which "*"
// stands for any characters and a final "$" anchors the end.
func robotsMatch(pattern, p string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	pattern = strings.TrimSuffix(pattern, "$")
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(p, parts[0]) {
		return false
	}
	rest := p[len(parts[0]):]
	for i, part := range parts[1:] {
		if i == len(parts)-2 && anchored {
			return strings.HasSuffix(rest, part)
		}
		j := strings.Index(rest, part)
		if j < 0 {
			return false
		}
		rest = rest[j+len(part):]
	}
	return !anchored || rest == ""
}
