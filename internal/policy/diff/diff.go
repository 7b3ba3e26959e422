// Package diff computes line diffs: the shortest edit script that turns
// one list of lines into another, and its grouping into hunks with context
// for display.
//
// It uses Myers' O(ND) algorithm in its linear-space form: the middle
// snake splits the problem in two until the halves are trivial, so memory
// stays proportional to the input however different the texts are.
package diff

// Op says what an Edit does to a line.
type Op int8

// The operations of an edit script.
const (
	// Equal keeps a line both texts have.
	Equal Op = iota
	// Delete removes a line of the old text.
	Delete
	// Insert adds a line of the new text.
	Insert
)

// String returns the operation's sign as in a unified diff: " ", "-" or "+".
func (op Op) String() string {
	switch op {
	case Delete:
		return "-"
	case Insert:
		return "+"
	}
	return " "
}

// Edit is one line of an edit script.
type Edit struct {
	Op   Op
	Text string
	// Old and New are the line's 1-based numbers in the old and new
	// text; 0 where the line is not in that text.
	Old, New int
}

// Lines returns the shortest edit script from a to b: every line of a and
// of b in order, each marked as kept, deleted or inserted. Where a change
// replaces lines, the deletions come before the insertions.
func Lines(a, b []string) []Edit {
	ids := map[string]int{}
	intern := func(lines []string) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	s := &script{a: intern(a), b: intern(b)}
	n := len(a) + len(b) + 2
	s.fwd = make([]int, 2*n+1)
	s.rev = make([]int, 2*n+1)
	s.compare(0, len(a), 0, len(b))
	groupChanges(s.ops)

	edits := make([]Edit, 0, max(len(a), len(b)))
	i, j := 0, 0
	for _, op := range s.ops {
		switch op {
		case Equal:
			edits = append(edits, Edit{Op: Equal, Text: a[i], Old: i + 1, New: j + 1})
			i++
			j++
		case Delete:
			edits = append(edits, Edit{Op: Delete, Text: a[i], Old: i + 1})
			i++
		case Insert:
			edits = append(edits, Edit{Op: Insert, Text: b[j], New: j + 1})
			j++
		}
	}
	return edits
}

// groupChanges puts the deletions of every run of changes before its
// insertions, which keeps both texts' order and reads better than
// interleaved lines.
func groupChanges(ops []Op) {
	for i := 0; i < len(ops); {
		if ops[i] == Equal {
			i++
			continue
		}
		j := i
		dels := 0
		for j < len(ops) && ops[j] != Equal {
			if ops[j] == Delete {
				dels++
			}
			j++
		}
		for k := i; k < j; k++ {
			if k-i < dels {
				ops[k] = Delete
			} else {
				ops[k] = Insert
			}
		}
		i = j
	}
}

// script holds the state of one diff: the interned lines, the work arrays
// of the two searches (indexed by diagonal k, offset so that k may be
// negative), and the operations found so far, in order.
type script struct {
	a, b     []int
	fwd, rev []int
	ops      []Op
}

func (s *script) emit(op Op, n int) {
	for range n {
		s.ops = append(s.ops, op)
	}
}

// compare appends the edit script of a[alo:ahi] to b[blo:bhi].
func (s *script) compare(alo, ahi, blo, bhi int) {
	// Common prefix and suffix are kept as they are; trimming them first
	// also guarantees the middle snake below splits a real difference.
	prefix := 0
	for alo+prefix < ahi && blo+prefix < bhi && s.a[alo+prefix] == s.b[blo+prefix] {
		prefix++
	}
	s.emit(Equal, prefix)
	alo += prefix
	blo += prefix
	suffix := 0
	for alo < ahi-suffix && blo < bhi-suffix && s.a[ahi-1-suffix] == s.b[bhi-1-suffix] {
		suffix++
	}
	ahi -= suffix
	bhi -= suffix

	switch {
	case alo == ahi:
		s.emit(Insert, bhi-blo)
	case blo == bhi:
		s.emit(Delete, ahi-alo)
	default:
		x, y, u, v := s.middleSnake(alo, ahi, blo, bhi)
		s.compare(alo, x, blo, y)
		s.emit(Equal, u-x)
		s.compare(u, ahi, v, bhi)
	}
	s.emit(Equal, suffix)
}

// middleSnake finds the middle snake of an optimal path from (alo, blo) to
// (ahi, bhi): the diagonal run (x, y)–(u, v) where a forward search from the
// start and a reverse search from the end first overlap. Both halves
// around it have a shorter edit script than the whole, so the recursion
// ends. The inputs differ in their first and last lines.
func (s *script) middleSnake(alo, ahi, blo, bhi int) (x, y, u, v int) {
	n, m := ahi-alo, bhi-blo
	delta := n - m
	odd := delta&1 != 0
	// Diagonal k holds the points with x - y = k, relative to (alo, blo)
	// for the forward search and to (ahi, bhi), counting backwards, for
	// the reverse one; forward diagonal k is reverse diagonal delta - k.
	off := len(s.fwd) / 2
	for d := 0; d <= (n+m+1)/2; d++ {
		for k := -d; k <= d; k += 2 {
			px := reach(s.fwd, off, d, k, n, m)
			if px < 0 {
				s.fwd[off+k] = -1
				continue
			}
			py := px - k
			sx, sy := px, py
			for px < n && py < m && s.a[alo+px] == s.b[blo+py] {
				px++
				py++
			}
			s.fwd[off+k] = px
			if rk := delta - k; odd && rk >= -(d-1) && rk <= d-1 {
				if r := s.rev[off+rk]; r >= 0 && px+r >= n {
					return alo + sx, blo + sy, alo + px, blo + py
				}
			}
		}
		for k := -d; k <= d; k += 2 {
			px := reach(s.rev, off, d, k, n, m)
			if px < 0 {
				s.rev[off+k] = -1
				continue
			}
			py := px - k
			ex, ey := px, py
			for px < n && py < m && s.a[ahi-1-px] == s.b[bhi-1-py] {
				px++
				py++
			}
			s.rev[off+k] = px
			if fk := delta - k; !odd && fk >= -d && fk <= d {
				if f := s.fwd[off+fk]; f >= 0 && px+f >= n {
					return ahi - px, bhi - py, ahi - ex, bhi - ey
				}
			}
		}
	}
	// Unreachable for inputs that differ: an optimal path has at most
	// n+m edits, so the searches meet by d = (n+m+1)/2.
	panic("diff: searches did not meet")
}

// reach returns the furthest x on diagonal k that a path of d edits inside
// the n×m grid reaches before its final snake, or -1 if none does. v holds
// the furthest x of each diagonal after d-1 edits, -1 for unreachable ones.
func reach(v []int, off, d, k, n, m int) int {
	if d == 0 {
		return 0
	}
	best := -1
	if k+1 <= d-1 {
		// An insertion moves down from diagonal k+1.
		if x := v[off+k+1]; x >= 0 && x-k <= m {
			best = x
		}
	}
	if k-1 >= -(d - 1) {
		// A deletion moves right from diagonal k-1.
		if x := v[off+k-1]; x >= 0 && x+1 <= n && x+1 > best {
			best = x + 1
		}
	}
	return best
}
