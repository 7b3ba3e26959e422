package analytics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Buffer defaults.
const (
	defaultQueueSize = 100_000
	// batchSize and flushInterval bound how long an accepted event waits
	// in memory: a batch is written when it is this large or this old.
	batchSize     = 1000
	flushInterval = time.Second
	// writeTimeout bounds one attempt at writing a batch.
	writeTimeout = 30 * time.Second
	// The pause before retrying a failed batch doubles from retryMin up
	// to retryMax.
	retryMin = 100 * time.Millisecond
	retryMax = 30 * time.Second
)

// errQueueFull is returned by buffer.add when the queue has no room: the
// writer is behind, and the event is refused rather than accepted and lost.
var errQueueFull = errors.New("analytics: event queue full")

// errBufferClosed is returned by buffer.add after close has begun.
var errBufferClosed = errors.New("analytics: collector closed")

// buffer queues accepted events in memory and writes them to a Writer in
// batches from one goroutine, every flushInterval or every batchSize
// events, whichever comes first.
//
// An accepted event is dropped only when the writer refuses it for good
// (see flush): a batch the writer refuses otherwise is kept and retried, with growing pauses, and every failure is logged and
// counted; meanwhile the queue fills and new events are refused with
// errQueueFull, which the collector answers with 503. close writes
// everything accepted before it returns.
//
// What a buffer cannot survive is the process being killed outright
// (SIGKILL, a crash, power loss): the events still queued, at most about
// flushInterval's worth plus a batch being written, are lost.
type buffer struct {
	w        Writer
	log      *slog.Logger
	interval time.Duration
	failures prometheus.Counter
	written  prometheus.Counter
	dropped  prometheus.Counter

	// mu guards closed; add holds it shared while it queues, so that close
	// knows no event is still on its way into the queue once it has it.
	mu     sync.RWMutex
	closed bool
	queue  chan Event

	stop chan struct{} // closed to ask the loop to drain and end
	done chan struct{} // closed when the loop has ended
	// abort is done when close's context ends, cutting short the retries
	// of a writer that never recovers.
	abort      context.Context
	abortCause context.CancelCauseFunc
	// unwritten counts the events lost to an aborted close.
	unwritten int
}

func newBuffer(w Writer, log *slog.Logger, size int, interval time.Duration, failures, written, dropped prometheus.Counter) *buffer {
	if size <= 0 {
		size = defaultQueueSize
	}
	abort, cause := context.WithCancelCause(context.Background())
	b := &buffer{
		w:          w,
		log:        log,
		interval:   interval,
		failures:   failures,
		written:    written,
		dropped:    dropped,
		queue:      make(chan Event, size),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		abort:      abort,
		abortCause: cause,
	}
	go b.loop()
	return b
}

// add queues e, or refuses it when the queue is full or closing.
func (b *buffer) add(e Event) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return errBufferClosed
	}
	select {
	case b.queue <- e:
		return nil
	default:
		return errQueueFull
	}
}

// len returns the number of events waiting in the queue.
func (b *buffer) len() int { return len(b.queue) }

// close stops accepting events and writes every event accepted so far,
// retrying failed batches until they are written or ctx ends. It then
// reports how many events could not be written.
func (b *buffer) close(ctx context.Context) error {
	b.mu.Lock()
	already := b.closed
	b.closed = true
	b.mu.Unlock()
	if !already {
		close(b.stop)
	}
	select {
	case <-b.done:
	case <-ctx.Done():
		b.abortCause(context.Cause(ctx))
		<-b.done
	}
	if b.unwritten > 0 {
		return fmt.Errorf("analytics: close: %d accepted events not written: %w", b.unwritten, context.Cause(ctx))
	}
	return nil
}

func (b *buffer) loop() {
	defer close(b.done)
	ticker := time.NewTicker(b.interval)
	defer ticker.Stop()
	batch := make([]Event, 0, batchSize)
	for {
		select {
		case e := <-b.queue:
			batch = append(batch, e)
			if len(batch) == batchSize {
				batch = b.flush(batch)
			}
		case <-ticker.C:
			batch = b.flush(batch)
		case <-b.stop:
			b.drain(batch)
			return
		}
	}
}

// drain writes batch and everything left in the queue; nothing more can
// enter it once stop is closed.
func (b *buffer) drain(batch []Event) {
	for {
	fill:
		for len(batch) < batchSize {
			select {
			case e := <-b.queue:
				batch = append(batch, e)
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			return
		}
		if b.abort.Err() != nil {
			b.unwritten += len(batch) + len(b.queue)
			b.log.Error("analytics: accepted events not written before shutdown",
				slog.Int("events", b.unwritten), slog.Any("cause", context.Cause(b.abort)))
			return
		}
		batch = b.flush(batch)
	}
}

// flush writes batch, retrying until it is written or close gives up, and
// returns a new empty batch, or what is left of batch when close gave up.
// A written batch is left to the Writer, which may keep it.
//
// A batch refused for good (ErrTooOld: an event from a day whose raw
// events retention has deleted) is written event by event instead, so
// that only the events the store can never take are dropped, each
// logged and counted, rather than the whole batch being retried forever.
func (b *buffer) flush(batch []Event) []Event {
	pause := retryMin
	for attempt := 1; len(batch) > 0; attempt++ {
		err := b.write(batch)
		if err == nil {
			b.written.Add(float64(len(batch)))
			break
		}
		if errors.Is(err, ErrTooOld) {
			if batch = b.writeEach(batch); len(batch) == 0 {
				break
			}
			err = fmt.Errorf("writing events one by one: %w", b.write(batch[:1]))
		}
		b.failures.Inc()
		b.log.Warn("analytics: write events failed; will retry",
			slog.Int("events", len(batch)), slog.Int("attempt", attempt),
			slog.Duration("retry_in", pause), slog.Any("error", err))
		if !b.sleep(pause) {
			// close gave up; drain counts what is left.
			return batch
		}
		pause = min(2*pause, retryMax)
	}
	return make([]Event, 0, batchSize)
}

// writeEach writes the events of batch one at a time, drops those the
// store refuses for good and returns those that failed otherwise, to be
// retried.
func (b *buffer) writeEach(batch []Event) []Event {
	var retry []Event
	dropped := 0
	for _, e := range batch {
		switch err := b.write([]Event{e}); {
		case err == nil:
			b.written.Inc()
		case errors.Is(err, ErrTooOld):
			dropped++
		default:
			retry = append(retry, e)
		}
	}
	if dropped > 0 {
		b.dropped.Add(float64(dropped))
		b.log.Error("analytics: events dropped: older than the retained raw events",
			slog.Int("events", dropped))
	}
	return retry
}

func (b *buffer) write(batch []Event) error {
	ctx, cancel := context.WithTimeout(b.abort, writeTimeout)
	defer cancel()
	return b.w.WriteEvents(ctx, batch)
}

// sleep waits d, or less when close gives up, which it reports as false.
func (b *buffer) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-b.abort.Done():
		return false
	}
}
