package testenv

import "testing"

func TestRequired(t *testing.T) {
	const require = "NOREN_REQUIRE_TESTENV"
	tests := []struct {
		name, ci, require string
		want              bool
	}{
		{name: "nothing set"},
		{name: "CI=1", ci: "1", want: true},
		{name: "CI=true", ci: "true", want: true},
		{name: "CI=TRUE", ci: "TRUE", want: true},
		{name: "CI=false", ci: "false"},
		{name: "CI=0", ci: "0"},
		{name: "CI not a boolean", ci: "yes"},
		{name: "required by hand", require: "1", want: true},
		{name: "required as true", require: "true", want: true},
		{name: "required off", require: "0"},
		{name: "CI off but required", ci: "false", require: "1", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(CIEnv, tt.ci)
			t.Setenv(require, tt.require)
			if got := Required(require); got != tt.want {
				t.Errorf("Required with CI=%q %s=%q = %v, want %v", tt.ci, require, tt.require, got, tt.want)
			}
		})
	}
}

func TestFull(t *testing.T) {
	for value, want := range map[string]bool{"": false, "0": false, "false": false, "full": false, "1": true, "true": true} {
		t.Setenv(FullEnv, value)
		if got := Full(); got != want {
			t.Errorf("Full with %s=%q = %v, want %v", FullEnv, value, got, want)
		}
	}
}
