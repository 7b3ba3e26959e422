package diff

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// apply rebuilds both texts from an edit script.
func apply(edits []Edit) (old, new []string) {
	for _, e := range edits {
		switch e.Op {
		case Equal:
			old = append(old, e.Text)
			new = append(new, e.Text)
		case Delete:
			old = append(old, e.Text)
		case Insert:
			new = append(new, e.Text)
		}
	}
	return old, new
}

// lcsLength is the textbook dynamic programme, the reference for how many
// lines an optimal script keeps.
func lcsLength(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			default:
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// checkScript fails t unless edits turns a into b, numbers its lines
// correctly, keeps as many lines as possible and lists the deletions of
// each change before its insertions.
func checkScript(t *testing.T, a, b []string, edits []Edit) {
	t.Helper()
	old, new := apply(edits)
	if !slices.Equal(old, a) || !slices.Equal(new, b) {
		t.Fatalf("script does not rebuild the texts:\na=%q\nb=%q\nold=%q\nnew=%q", a, b, old, new)
	}
	kept := 0
	oi, ni := 0, 0
	for k, e := range edits {
		if e.Op != Delete {
			ni++
			if e.New != ni {
				t.Fatalf("edit %d: New = %d, want %d", k, e.New, ni)
			}
		} else if e.New != 0 {
			t.Fatalf("edit %d: deletion with New = %d", k, e.New)
		}
		if e.Op != Insert {
			oi++
			if e.Old != oi {
				t.Fatalf("edit %d: Old = %d, want %d", k, e.Old, oi)
			}
		} else if e.Old != 0 {
			t.Fatalf("edit %d: insertion with Old = %d", k, e.Old)
		}
		if e.Op == Equal {
			kept++
		}
		if k > 0 && e.Op == Delete && edits[k-1].Op == Insert {
			t.Fatalf("edit %d: deletion after an insertion in one change", k)
		}
	}
	if want := lcsLength(a, b); kept != want {
		t.Fatalf("script keeps %d lines, the longest common subsequence has %d:\na=%q\nb=%q", kept, want, a, b)
	}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestLines(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want string // one sign per line of the script
	}{
		{"both empty", "", "", ""},
		{"from empty", "", "x\ny", "++"},
		{"to empty", "x\ny", "", "--"},
		{"same", "a\nb\nc", "a\nb\nc", "   "},
		{"one changed", "a\nb\nc", "a\nB\nc", " -+ "},
		{"inserted in middle", "a\nc", "a\nb\nc", " + "},
		{"deleted at start", "a\nb\nc", "b\nc", "-  "},
		{"appended", "a", "a\nb", " +"},
		{"all different", "a\nb", "c\nd", "--++"},
		{"moved line", "a\nb\nc\nd", "b\nc\nd\na", "-   +"},
		{"repeated lines", "x\nx\ny\nx", "x\ny\nx\nx", " - + "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := lines(tt.a), lines(tt.b)
			edits := Lines(a, b)
			checkScript(t, a, b, edits)
			var got strings.Builder
			for _, e := range edits {
				got.WriteString(e.Op.String())
			}
			if got.String() != tt.want {
				t.Errorf("signs = %q, want %q", got.String(), tt.want)
			}
		})
	}
}

// TestLinesRandom compares the script's length with the dynamic
// programme's on many small texts over a tiny alphabet, where repeated
// lines make ties and the searches' edge cases common.
func TestLinesRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d"}
	gen := func() []string {
		n := r.IntN(20)
		out := make([]string, n)
		for i := range out {
			out[i] = words[r.IntN(len(words))]
		}
		return out
	}
	for range 3000 {
		a, b := gen(), gen()
		checkScript(t, a, b, Lines(a, b))
	}
}

func TestHunks(t *testing.T) {
	a := lines("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12")
	tests := []struct {
		name    string
		b       []string
		context int
		want    []Hunk // Edits compared by count only
	}{
		{"no change", a, 3, nil},
		{
			"one change in the middle",
			lines("1\n2\n3\n4\n5\nsix\n7\n8\n9\n10\n11\n12"), 2,
			[]Hunk{{OldStart: 4, OldLines: 5, NewStart: 4, NewLines: 5}},
		},
		{
			"changes far apart make two hunks",
			lines("one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve"), 2,
			[]Hunk{{OldStart: 1, OldLines: 3, NewStart: 1, NewLines: 3}, {OldStart: 10, OldLines: 3, NewStart: 10, NewLines: 3}},
		},
		{
			"changes close together share a hunk",
			lines("1\n2\nthree\n4\n5\n6\n7\neight\n9\n10\n11\n12"), 2,
			[]Hunk{{OldStart: 1, OldLines: 10, NewStart: 1, NewLines: 10}},
		},
		{
			"pure insertion at the start",
			append([]string{"0"}, a...), 0,
			[]Hunk{{OldStart: 0, OldLines: 0, NewStart: 1, NewLines: 1}},
		},
		{
			"pure deletion in the middle",
			slices.Delete(slices.Clone(a), 5, 6), 0,
			[]Hunk{{OldStart: 6, OldLines: 1, NewStart: 5, NewLines: 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Hunks(Lines(a, tt.b), tt.context)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d hunks, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, h := range got {
				w := tt.want[i]
				if h.OldStart != w.OldStart || h.OldLines != w.OldLines || h.NewStart != w.NewStart || h.NewLines != w.NewLines {
					t.Errorf("hunk %d = -%d,%d +%d,%d; want -%d,%d +%d,%d", i,
						h.OldStart, h.OldLines, h.NewStart, h.NewLines, w.OldStart, w.OldLines, w.NewStart, w.NewLines)
				}
			}
		})
	}
}

// FuzzLines checks on arbitrary texts that the script rebuilds both texts
// and is as short as possible, and that its hunks hold every change.
func FuzzLines(f *testing.F) {
	f.Add("a\nb\nc", "a\nc\nd")
	f.Add("", "x")
	f.Add("# Title\n\n- one\n- two\n", "# Title\n\n- one\n- three\n- two\n")
	f.Fuzz(func(t *testing.T, x, y string) {
		a, b := lines(x), lines(y)
		if len(a)*len(b) > 250000 {
			t.Skip("too large for the reference programme")
		}
		edits := Lines(a, b)
		checkScript(t, a, b, edits)
		changes := 0
		for _, e := range edits {
			if e.Op != Equal {
				changes++
			}
		}
		inHunks := 0
		for _, h := range Hunks(edits, 3) {
			for _, e := range h.Edits {
				if e.Op != Equal {
					inHunks++
				}
			}
		}
		if inHunks != changes {
			t.Fatalf("hunks hold %d changes, the script has %d", inHunks, changes)
		}
	})
}

func BenchmarkLines(b *testing.B) {
	var a []string
	for i := range 400 {
		a = append(a, strings.Repeat("line ", i%7)+string(rune('a'+i%26)))
	}
	c := slices.Clone(a)
	c[100] = "changed"
	c = slices.Insert(c, 300, "new", "lines")
	c = slices.Delete(c, 20, 25)
	for b.Loop() {
		Lines(a, c)
	}
}
