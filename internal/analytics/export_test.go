package analytics

import "testing"

// AddTestStore makes the store tests of this package run on a backend of
// a package that imports this one, which only the external tests can
// import: open returns a fresh store or skips tb without its server, and
// events reads back every event a store of the backend holds, in time
// order, or reports false for a store of another backend. The external
// tests call it from init.
func AddTestStore(name string, open func(tb testing.TB) Store, events func(t *testing.T, s Store) ([]Event, bool)) {
	otherStores = append(otherStores, otherStore{name: name, open: open, events: events})
}
