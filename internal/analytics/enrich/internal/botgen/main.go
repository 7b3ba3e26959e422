// Command botgen writes bot_tokens.go, the tokens enrich.IsBot looks for,
// from the vendored crawler list bots/crawler-user-agents.json and the
// hand-kept bots/local.txt. It runs from the enrich package by go generate.
//
// The list's patterns are regular expressions; IsBot looks for plain
// substrings in one pass, so each pattern becomes the substrings every
// match of it contains. A pattern anchored at the start of a User-Agent
// that no browser's starts with needs none: IsBot counts every such
// User-Agent as a bot. A pattern with parts no substring can express, such
// as "\d+" or "[^-]", keeps its longest plain part and so matches a little
// more than written; the generated file lists those patterns.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

func main() {
	list := flag.String("list", "bots/crawler-user-agents.json", "the crawler list")
	local := flag.String("local", "bots/local.txt", "the hand-kept tokens and exclusions")
	out := flag.String("o", "bot_tokens.go", "the Go file to write")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("botgen: ")

	src, st, err := generateFiles(*list, *local)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d patterns: %d as written, %d left to the browser-prefix rule, %d broadened, %d excluded; %d tokens after dropping those that contain another",
		st.patterns, st.exact, st.anchored, len(st.broadened), st.excluded, st.tokens)
}

// generateFiles reads the crawler list and the local file and returns the
// Go source of bot_tokens.go.
func generateFiles(listPath, localPath string) ([]byte, stats, error) {
	list, err := os.ReadFile(listPath)
	if err != nil {
		return nil, stats{}, fmt.Errorf("read crawler list: %w", err)
	}
	local, err := os.ReadFile(localPath)
	if err != nil {
		return nil, stats{}, fmt.Errorf("read local tokens: %w", err)
	}
	return generate(list, local)
}

// stats counts how the patterns of the crawler list became tokens.
type stats struct {
	patterns  int
	exact     int      // matched exactly as written, letter case aside
	anchored  int      // anchored at the start, which the browser-prefix rule covers
	broadened []string // matched by a plain part of the pattern only
	excluded  int      // left out by the local file
	tokens    int
}

// crawler is one entry of crawler-user-agents.json; the fields botgen and
// its tests do not use are left out.
type crawler struct {
	Pattern   string   `json:"pattern"`
	Instances []string `json:"instances"`
}

// localFile is what bots/local.txt says.
type localFile struct {
	tokens   []string
	excluded map[string]bool // patterns of the crawler list to leave out
}

// parseLocal reads bots/local.txt: one token a line, "!" and a pattern of
// the crawler list to leave it out, "#" comments and blank lines.
func parseLocal(b []byte) (localFile, error) {
	lf := localFile{excluded: map[string]bool{}}
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "", strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "!"):
			lf.excluded[line[1:]] = true
		case len(line) < 3:
			return localFile{}, fmt.Errorf("local.txt line %d: token %q is shorter than three bytes", n+1, line)
		default:
			lf.tokens = append(lf.tokens, strings.ToLower(line))
		}
	}
	return lf, nil
}

// generate returns the Go source of bot_tokens.go for the crawler list and
// the local file.
func generate(list, local []byte) ([]byte, stats, error) {
	var crawlers []crawler
	if err := json.Unmarshal(list, &crawlers); err != nil {
		return nil, stats{}, fmt.Errorf("parse crawler list: %w", err)
	}
	lf, err := parseLocal(local)
	if err != nil {
		return nil, stats{}, err
	}
	st := stats{patterns: len(crawlers)}
	tokens := slices.Clone(lf.tokens)
	seen := map[string]bool{}
	for _, c := range crawlers {
		seen[c.Pattern] = true
		if lf.excluded[c.Pattern] {
			st.excluded++
			continue
		}
		lits, exact, err := patternLiterals(c.Pattern)
		if err != nil {
			return nil, stats{}, err
		}
		anchored := true
		for _, l := range lits {
			if l.atStart && !browserPrefix(l.s) {
				continue
			}
			anchored = false
			if len(l.s) < 3 {
				return nil, stats{}, fmt.Errorf("pattern %q: %q is too short to look for", c.Pattern, l.s)
			}
			tokens = append(tokens, l.s)
		}
		switch {
		case anchored:
			st.anchored++
		case exact:
			st.exact++
		default:
			st.broadened = append(st.broadened, c.Pattern)
		}
	}
	for p := range lf.excluded {
		if !seen[p] {
			return nil, stats{}, fmt.Errorf("local.txt leaves out %q, which the crawler list no longer has", p)
		}
	}
	tokens = minimal(tokens)
	st.tokens = len(tokens)
	src, err := source(tokens, st.broadened)
	return src, st, err
}

// browserPrefix reports whether a User-Agent starting with s may start
// like a browser's, so that IsBot's prefix rule does not cover it.
func browserPrefix(s string) bool {
	for _, p := range []string{"mozilla/", "opera/"} {
		if strings.HasPrefix(s, p) || strings.HasPrefix(p, s) {
			return true
		}
	}
	return false
}

// minimal sorts and deduplicates tokens and drops each one that contains
// another, which finds every User-Agent it would. "bot" does not stand for
// tokens that start with it or contain "cubot", since IsBot passes over
// "bot" after "cu".
func minimal(tokens []string) []string {
	slices.Sort(tokens)
	tokens = slices.Compact(tokens)
	var kept []string
	for _, t := range tokens {
		covered := slices.ContainsFunc(tokens, func(u string) bool {
			if u == t || !strings.Contains(t, u) {
				return false
			}
			return u != "bot" || !strings.HasPrefix(t, "bot") && !strings.Contains(t, "cubot")
		})
		if !covered {
			kept = append(kept, t)
		}
	}
	return kept
}

// source formats bot_tokens.go.
func source(tokens, broadened []string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by go run ./internal/botgen; DO NOT EDIT.\n\n")
	b.WriteString("package enrich\n\n")
	b.WriteString("// botTokens are the lower-case fragments of bots/crawler-user-agents.json\n")
	b.WriteString("// and bots/local.txt, less those that contain another.\n")
	if len(broadened) > 0 {
		b.WriteString("//\n// These patterns of the crawler list are looked for by a plain part only:\n//\n")
		for _, p := range broadened {
			fmt.Fprintf(&b, "//\t%s\n", p)
		}
	}
	b.WriteString("var botTokens = []string{\n")
	for _, t := range tokens {
		fmt.Fprintf(&b, "\t%s,\n", strconv.Quote(t))
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format bot_tokens.go: %w", err)
	}
	return src, nil
}

// A literal is a lower-cased string that a match of a pattern contains;
// atStart says it must open the User-Agent.
type literal struct {
	s       string
	atStart bool
}

// maxStrings bounds the strings a pattern part may stand for before it
// counts as not plain.
const maxStrings = 64

// Marks of the anchors in the strings of strings: they take part in
// concatenation like bytes and are read off afterwards.
const (
	markBegin = "\x00"
	markEnd   = "\x01"
)

// patternLiterals returns literals of which every match of pattern
// contains one, lower-cased, and whether a text contains one only if the
// pattern matches it, letter case aside.
func patternLiterals(pattern string) ([]literal, bool, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, false, fmt.Errorf("parse pattern %q: %w", pattern, err)
	}
	lits, exact, err := required(re.Simplify())
	if err != nil {
		return nil, false, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	return lits, exact, nil
}

// errNoLiteral says a pattern part contains no plain text to look for.
var errNoLiteral = errors.New("no plain text to look for")

// required returns literals of which every match of re contains one, and
// whether they are exact, as patternLiterals.
func required(re *syntax.Regexp) ([]literal, bool, error) {
	if ss, ok := strs(re); ok {
		return fromStrings(ss)
	}
	switch re.Op {
	case syntax.OpCapture:
		return required(re.Sub[0])
	case syntax.OpAlternate:
		var all []literal
		exact := true
		for _, sub := range re.Sub {
			lits, e, err := required(sub)
			if err != nil {
				return nil, false, err
			}
			all, exact = append(all, lits...), exact && e
		}
		return all, exact, nil
	case syntax.OpConcat:
		// Each run of plain parts is text every match contains; the one
		// whose shortest string is longest finds the fewest others.
		var best []literal
		bestLen := -1
		for i := 0; i < len(re.Sub); {
			j := i
			run := []string{""}
			for ; j < len(re.Sub); j++ {
				ss, ok := strs(re.Sub[j])
				if !ok || len(run)*len(ss) > maxStrings {
					break
				}
				run = product(run, ss)
			}
			if j > i {
				if lits, _, err := fromStrings(run); err == nil {
					if n := shortest(lits); n > bestLen {
						best, bestLen = lits, n
					}
				}
			}
			i = max(j, i+1)
		}
		if bestLen < 3 {
			return nil, false, errNoLiteral
		}
		return best, false, nil
	}
	return nil, false, errNoLiteral
}

// fromStrings reads the anchor marks off the strings a plain pattern part
// stands for. An end anchor is dropped, which looks for the text anywhere.
func fromStrings(ss []string) ([]literal, bool, error) {
	exact := true
	var lits []literal
	for _, s := range ss {
		l := literal{}
		if rest, ok := strings.CutPrefix(s, markBegin); ok {
			l.atStart, s = true, rest
		}
		if rest, ok := strings.CutSuffix(s, markEnd); ok {
			exact, s = false, rest
		}
		if strings.Contains(s, markBegin) || strings.Contains(s, markEnd) {
			return nil, false, fmt.Errorf("anchor inside %q", s)
		}
		l.s = s
		lits = append(lits, l)
	}
	return lits, exact, nil
}

// shortest returns the length of the shortest literal that is not at the
// start; one at the start counts as long, since it costs no token.
func shortest(lits []literal) int {
	n := -1
	for _, l := range lits {
		m := len(l.s)
		if l.atStart && !browserPrefix(l.s) {
			m = 1 << 20
		}
		if n < 0 || m < n {
			n = m
		}
	}
	return n
}

// strs returns the lower-cased strings re stands for, with the anchor
// marks, if they are few.
func strs(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}, true
	case syntax.OpCharClass:
		var ss []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(ss) > maxStrings {
					return nil, false
				}
				s := string(unicode.ToLower(r))
				if !slices.Contains(ss, s) {
					ss = append(ss, s)
				}
			}
		}
		// A class of more than case pairs stands for too much to help.
		if len(ss) > 4 {
			return nil, false
		}
		return ss, true
	case syntax.OpBeginLine, syntax.OpBeginText:
		return []string{markBegin}, true
	case syntax.OpEndLine, syntax.OpEndText:
		return []string{markEnd}, true
	case syntax.OpCapture:
		return strs(re.Sub[0])
	case syntax.OpQuest:
		ss, ok := strs(re.Sub[0])
		return append([]string{""}, ss...), ok
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			ss, ok := strs(sub)
			if !ok || len(out)*len(ss) > maxStrings {
				return nil, false
			}
			out = product(out, ss)
		}
		return out, true
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			ss, ok := strs(sub)
			if !ok || len(out)+len(ss) > maxStrings {
				return nil, false
			}
			out = append(out, ss...)
		}
		return out, true
	}
	return nil, false
}

// product returns every string of a followed by one of b.
func product(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}
