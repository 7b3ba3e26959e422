package crawl

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// pacer spaces the requests of one walk across all its workers. A
// robots.txt Crawl-delay is the site's, not a connection's: while an
// interval is set, one request at a time holds the turn, from its start
// until its body is closed, and the next starts at least the interval
// after it began. Without one, requests pass at once and only each
// worker's own pause (Options.Delay) spaces them.
type pacer struct {
	// turn holds one token; taking it is the right to start a request.
	turn     chan struct{}
	interval atomic.Int64 // nanoseconds between two starts, 0 for none
	mu       sync.Mutex
	last     time.Time // when the latest request started
}

func newPacer() *pacer {
	p := &pacer{turn: make(chan struct{}, 1)}
	p.turn <- struct{}{}
	return p
}

// gap is the site-wide interval between two requests' starts.
func (p *pacer) gap() time.Duration {
	return time.Duration(p.interval.Load())
}

// raise sets the interval to d unless it is already longer.
func (p *pacer) raise(d time.Duration) {
	for {
		old := p.interval.Load()
		if int64(d) <= old || p.interval.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// acquire waits until a request may start and returns what ends it,
// which the caller calls once the request is done with.
func (p *pacer) acquire(ctx context.Context) (release func(), err error) {
	select {
	case <-p.turn:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := p.wait(ctx); err != nil {
		p.turn <- struct{}{}
		return nil, err
	}
	if p.gap() == 0 {
		p.turn <- struct{}{}
		return func() {}, nil
	}
	var once sync.Once
	return func() { once.Do(func() { p.turn <- struct{}{} }) }, nil
}

// wait sleeps until the interval since the latest start has passed and
// records a new start. Redirects call it for each hop too, holding the
// turn of the request that led to them.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	next := p.last.Add(p.gap())
	p.mu.Unlock()
	if err := sleep(ctx, time.Until(next)); err != nil {
		return err
	}
	p.mu.Lock()
	p.last = time.Now()
	p.mu.Unlock()
	return nil
}

// pacedBody gives the turn back when the body it wraps is closed.
type pacedBody struct {
	io.ReadCloser
	release func()
}

func (b *pacedBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
