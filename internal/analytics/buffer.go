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
// With a journal, each event is written to it before add returns and
// marked stored after its batch is written, so the queued events survive
// the process being killed outright (see journal). Without one, the events
// still queued when the process is killed (SIGKILL, a crash, power loss),
// at most about flushInterval's worth plus a batch being written, are
// lost.
type buffer struct {
	w        Writer
	log      *slog.Logger
	interval time.Duration
	failures prometheus.Counter
	written  prometheus.Counter
	dropped  prometheus.Counter
	journal  *journal // nil for none

	// mu guards closed; add holds it shared while it queues, so that close
	// knows no event is still on its way into the queue once it has it.
	mu     sync.RWMutex
	closed bool
	queue  chan entry
	// addMu, held by add when there is a journal, keeps the queue in the
	// journal's order and makes add's check for room in the queue exact,
	// so that no refused event is left in the journal.
	addMu sync.Mutex

	stop chan struct{} // closed to ask the loop to drain and end
	done chan struct{} // closed when the loop has ended
	// abort is done when close's context ends, cutting short the retries
	// of a writer that never recovers.
	abort      context.Context
	abortCause context.CancelCauseFunc
	// unwritten counts the events lost to an aborted close.
	unwritten int
}

// entry is a queued event and its place in the journal.
type entry struct {
	e  Event
	at position
}

// newBuffer starts a buffer writing to w; j, when not nil, is the journal
// its events are kept in until they are written.
func newBuffer(w Writer, j *journal, log *slog.Logger, size int, interval time.Duration, failures, written, dropped prometheus.Counter) *buffer {
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
		journal:    j,
		queue:      make(chan entry, size),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		abort:      abort,
		abortCause: cause,
	}
	go b.loop()
	return b
}

// add queues e, after writing it to the journal if there is one, or
// refuses it when the queue or the journal is full, the journal cannot be
// written or the buffer is closing.
func (b *buffer) add(e Event) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return errBufferClosed
	}
	if b.journal == nil {
		select {
		case b.queue <- entry{e: e}:
			return nil
		default:
			return errQueueFull
		}
	}
	b.addMu.Lock()
	defer b.addMu.Unlock()
	if len(b.queue) == cap(b.queue) {
		return errQueueFull
	}
	at, err := b.journal.append(&e)
	if err != nil {
		if !errors.Is(err, errJournalFull) {
			b.log.Error("analytics: event refused: the journal cannot be written", slog.Any("error", err))
		}
		return err
	}
	// Only the loop takes from the queue, so the room checked is still
	// there.
	b.queue <- entry{e: e, at: at}
	return nil
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
	var jerr error
	if b.journal != nil && !already {
		jerr = b.journal.close()
	}
	if b.unwritten > 0 {
		kept := ""
		if b.journal != nil {
			kept = " (kept in the journal, to be written at the next start)"
		}
		return errors.Join(fmt.Errorf("analytics: close: %d accepted events not written%s: %w", b.unwritten, kept, context.Cause(ctx)), jerr)
	}
	return jerr
}

func (b *buffer) loop() {
	defer close(b.done)
	ticker := time.NewTicker(b.interval)
	defer ticker.Stop()
	batch := make([]Event, 0, batchSize)
	var last position // the journal position of batch's last event
	for {
		select {
		case en := <-b.queue:
			batch, last = append(batch, en.e), en.at
			if len(batch) == batchSize {
				batch = b.store(batch, last)
			}
		case <-ticker.C:
			b.sync()
			batch = b.store(batch, last)
		case <-b.stop:
			b.drain(batch, last)
			return
		}
	}
}

// sync flushes the journal to the disk, so that a power loss loses at
// most the events of the last interval.
func (b *buffer) sync() {
	if b.journal == nil {
		return
	}
	if err := b.journal.sync(); err != nil {
		b.log.Error("analytics: flush the event journal to disk", slog.Any("error", err))
	}
}

// store flushes batch, whose last event is at last in the journal, and
// once it is written marks it stored there. It returns what flush does.
func (b *buffer) store(batch []Event, last position) []Event {
	if len(batch) == 0 {
		return batch
	}
	rest := b.flush(batch)
	if len(rest) == 0 && b.journal != nil {
		if err := b.journal.stored(last); err != nil {
			// The events are stored; the journal may only hold them longer
			// and write them again at the next start.
			b.log.Error("analytics: mark journaled events stored", slog.Any("error", err))
		}
	}
	return rest
}

// drain writes batch and everything left in the queue; nothing more can
// enter it once stop is closed.
func (b *buffer) drain(batch []Event, last position) {
	for {
	fill:
		for len(batch) < batchSize {
			select {
			case en := <-b.queue:
				batch, last = append(batch, en.e), en.at
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
		batch = b.store(batch, last)
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
