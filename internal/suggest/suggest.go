// Package suggest finds the known name a misspelt one most likely meant, for
// "did you mean" hints in configuration and manifest errors.
package suggest

import "strings"

// Closest returns the name in known that name most likely meant: one a few
// edits away, or one it extends or shortens ("listen_addr", "listen"). It
// returns "" when none is near enough. Ties go to the earlier name in known.
func Closest(name string, known []string) string {
	best, bestDist := "", max(1, len(name)/3)+1
	for _, k := range known {
		d := editDistance(name, k)
		if min(len(k), len(name)) >= 4 && (strings.HasPrefix(name, k) || strings.HasPrefix(k, name)) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between two short names.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
