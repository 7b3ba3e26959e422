package chart

import (
	"math"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestSVGIsOneNamedImage draws charts of each kind and checks their text
// alternative: one image named by its title and description, and a point
// title for each tip.
func TestSVGIsOneNamedImage(t *testing.T) {
	days := []string{"11-01", "11-02", "11-03", "11-04"}
	tests := []struct {
		name   string
		chart  Chart
		points int
	}{
		{"bars and a dashed line", Chart{
			ID: "stacked", Title: "Choices", Desc: "Choices per day", Labels: days,
			Defs:  `<pattern id="p" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#a4161a"/></pattern>`,
			Bars:  []Series{{Paint: "#1a6a2e", Values: []float64{3, 4, 0, 1}}, {Paint: "url(#p)", Values: []float64{1, 1, 2}}},
			Lines: []Series{{Paint: "#00338d", Dashed: true, Values: []float64{1, 2, 3, 4}}},
		}, 0},
		{"a line with tips and a gap", Chart{
			ID: "line", Title: `Visitors <"all">`, Desc: "Visitors & more", Labels: days,
			Lines:  []Series{{Paint: "#00338d", Values: []float64{10, math.NaN(), 30, 25}, Tips: []string{"a", "b", "c", `<d>`}}},
			Format: func(v float64) string { return strings.Repeat("x", int(v)%3) + "%" },
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg := string(tt.chart.SVG())
			if problems := svgProblems(svg); len(problems) > 0 {
				t.Error(problems)
			}
			if n := strings.Count(svg, "<circle"); n != tt.points {
				t.Errorf("%d points, want %d", n, tt.points)
			}
			if strings.Contains(svg, "<d>") || strings.Contains(svg, `<"all">`) {
				t.Error("a text reached the SVG as markup")
			}
		})
	}
	if (Chart{ID: "empty"}).SVG() != "" {
		t.Error("a chart without slots is drawn")
	}
}

// svgProblems lists what a chart gets wrong of its text alternative: it
// must be one image named by its title and description.
func svgProblems(svg string) []string {
	doc, err := html.Parse(strings.NewReader(svg))
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	var found bool
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "svg" {
			found = true
			a := map[string]string{}
			for _, at := range n.Attr {
				a[at.Key] = at.Val
			}
			if a["role"] != "img" {
				problems = append(problems, "the svg's role is "+a["role"])
			}
			for _, id := range strings.Fields(a["aria-labelledby"]) {
				if !strings.Contains(svg, `id="`+id+`">`) || strings.Contains(svg, `id="`+id+`"></`) {
					problems = append(problems, "aria-labelledby names "+id+", missing or empty")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !found {
		problems = append(problems, "no svg")
	}
	return problems
}

func TestNiceCeiling(t *testing.T) {
	for _, tt := range []struct{ in, want float64 }{{0, 4}, {3, 4}, {4, 4}, {5, 8}, {71, 80}, {81, 200}, {1499, 2000}, {39.5, 40}, {math.NaN(), 4}} {
		if got := niceCeiling(tt.in); got != tt.want {
			t.Errorf("niceCeiling(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
