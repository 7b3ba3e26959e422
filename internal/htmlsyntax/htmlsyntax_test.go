package htmlsyntax

import (
	"testing"

	"golang.org/x/net/html/atom"
)

func TestElements(t *testing.T) {
	tests := []struct {
		a            atom.Atom
		void, inHead bool
	}{
		{atom.Br, true, false},
		{atom.Meta, true, true},
		{atom.Link, true, true},
		{atom.Title, false, true},
		{atom.Script, false, true},
		{atom.Div, false, false},
		{atom.Main, false, false},
	}
	for _, tt := range tests {
		if got := Void(tt.a); got != tt.void {
			t.Errorf("Void(%s) = %v", tt.a, got)
		}
		if got := InHead(tt.a); got != tt.inHead {
			t.Errorf("InHead(%s) = %v", tt.a, got)
		}
	}
}

func TestSpace(t *testing.T) {
	for s, want := range map[string]bool{"": true, " \t\r\n\f": true, " x ": false, "\u00a0": false} {
		if got := Space([]byte(s)); got != want {
			t.Errorf("Space(%q) = %v", s, got)
		}
	}
}
