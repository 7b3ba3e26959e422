package suggest

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"operator", "purposes", "listen", "site"}
	tests := []struct{ name, want string }{
		{"opertor", "operator"},
		{"purpose", "purposes"},
		{"listen_addr", "listen"},
		{"zzzzzz", ""},
		{"site2", "site"},
	}
	for _, tt := range tests {
		if got := Closest(tt.name, known); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
