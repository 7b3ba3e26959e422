package probe

import "sync"

// serialized returns f made safe to call from several goroutines, one call
// at a time, or a function that does nothing when f is nil: the browser
// reports each state's pages from a goroutine of its own.
func serialized(f func(stage string, done, total int)) func(stage string, done, total int) {
	if f == nil {
		return func(string, int, int) {}
	}
	var mu sync.Mutex
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		f(stage, done, total)
	}
}
