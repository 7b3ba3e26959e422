package diff

// Hunk is a run of changes with the unchanged lines around them, as shown
// in a unified diff.
type Hunk struct {
	// OldStart and NewStart are the 1-based numbers of the hunk's first
	// line in each text; OldLines and NewLines count its lines there. A
	// hunk that holds no line of a text starts at the line before it.
	OldStart, OldLines int
	NewStart, NewLines int
	Edits              []Edit
}

// Hunks groups an edit script into hunks that keep up to context unchanged
// lines before and after each change. Changes separated by no more than
// 2*context unchanged lines share a hunk. A script without changes has no
// hunks.
func Hunks(edits []Edit, context int) []Hunk {
	context = max(context, 0)
	var hunks []Hunk
	for i := 0; i < len(edits); {
		if edits[i].Op == Equal {
			i++
			continue
		}
		start := max(i-context, 0)
		// Extend over later changes while the unchanged gap before the
		// next one is short enough to keep them together.
		end := i
		for end < len(edits) {
			for end < len(edits) && edits[end].Op != Equal {
				end++
			}
			gap := 0
			for end+gap < len(edits) && edits[end+gap].Op == Equal {
				gap++
			}
			if end+gap == len(edits) || gap > 2*context {
				end += min(gap, context)
				break
			}
			end += gap
		}
		hunks = append(hunks, newHunk(edits, start, end))
		i = end
	}
	return hunks
}

func newHunk(edits []Edit, start, end int) Hunk {
	h := Hunk{Edits: edits[start:end]}
	for _, e := range h.Edits {
		if e.Old > 0 {
			if h.OldLines == 0 {
				h.OldStart = e.Old
			}
			h.OldLines++
		}
		if e.New > 0 {
			if h.NewLines == 0 {
				h.NewStart = e.New
			}
			h.NewLines++
		}
	}
	if h.OldLines == 0 {
		h.OldStart = lineBefore(edits[:start], func(e Edit) int { return e.Old })
	}
	if h.NewLines == 0 {
		h.NewStart = lineBefore(edits[:start], func(e Edit) int { return e.New })
	}
	return h
}

// lineBefore is the number of the last line of one text among edits, or 0.
func lineBefore(edits []Edit, line func(Edit) int) int {
	for i := len(edits) - 1; i >= 0; i-- {
		if n := line(edits[i]); n > 0 {
			return n
		}
	}
	return 0
}
