// Package testenv tells tests what the environment asks of them: whether
// the services they use, such as a database server or a browser, are
// required, and whether to run in full what they otherwise sample.
//
// A test whose service is missing skips, so that `go test` works on any
// machine; where the service is required a missing one fails the test
// instead, so that a green run there always means the service was used.
package testenv

import (
	"os"
	"strconv"
)

// Environment variables this package reads.
const (
	// CIEnv is the variable CI systems set to a true value, such as 1 or
	// true, to require every service at once.
	CIEnv = "CI"
	// FullEnv set to a true value makes tests that check a sample of
	// their cases check every one (scripts/test.sh --full).
	FullEnv = "NOREN_TEST_FULL"
)

// Required reports whether a test must fail, rather than skip, when its
// service is missing: when CIEnv or the variable named requireEnv (such as
// NOREN_REQUIRE_POSTGRES) holds a true value as strconv.ParseBool reads it.
func Required(requireEnv string) bool {
	return isTrue(CIEnv) || isTrue(requireEnv)
}

// On reports whether the variable name holds a true value, for what only
// an explicit request makes required, such as test data kept outside the
// repository, which a CI machine may not have.
func On(name string) bool { return isTrue(name) }

// Full reports whether FullEnv asks for every case of the tests that
// otherwise check a sample of them.
func Full() bool {
	return isTrue(FullEnv)
}

// isTrue reports whether the variable name holds a true value as
// strconv.ParseBool reads it; unset, empty and malformed values are false.
func isTrue(name string) bool {
	on, err := strconv.ParseBool(os.Getenv(name))
	return err == nil && on
}
