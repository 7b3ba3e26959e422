package analytics

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Journal limits.
const (
	// maxJournalBytes bounds the journal on disk. Past it, events are
	// refused (503) rather than acknowledged into a journal that a store
	// outage or a full disk would grow without end.
	maxJournalBytes = 256 << 20
	// segmentBytes is the size past which a segment takes no more events,
	// so that one busy segment is never read back whole at start.
	segmentBytes = 1 << 20
	// maxRecord bounds one record as read back: far over any event the
	// collector accepts, and small enough that a corrupt length cannot
	// make a reader allocate much.
	maxRecord = 1 << 20
)

// Record kinds: the first byte of a record's payload.
const (
	recordEvent  = 'e' // an accepted event, as JSON
	recordStored = 's' // a count: the segment's first events that are stored
)

const (
	segmentPrefix = "events-"
	segmentSuffix = ".journal"
)

// errJournalFull is returned by journal.append when the journal is at its
// bound: events are being accepted faster than they are stored.
var errJournalFull = errors.New("analytics: event journal full")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journal keeps every accepted event in a file until it is stored, so
// that a process killed outright (SIGKILL, a crash, an out-of-memory kill)
// loses no event it acknowledged: an event is appended with one write
// system call before the collector answers, which puts it in the kernel's
// page cache, and the page cache outlives the process. Each segment is
// flushed to the disk (fsync) once every flush interval, so a power loss
// or a kernel crash can lose the events acknowledged in the last interval.
//
// Events go through a segment in the order they are queued, and the queue
// stores them in that order, so a segment's stored events are always its
// first ones: after each stored batch a small record says how many, and a
// segment is removed once all of its events are stored. At start, the
// events of leftover segments past their stored count are written to the
// store before the collector takes new ones (see replay).
//
// A batch stored just before the process dies, before its stored-count
// record is written, is written again at start: those events (at most one
// batch) are then counted twice. The window is the few microseconds
// between the store's commit and the record's write.
type journal struct {
	dir string

	mu    sync.Mutex
	cur   *segment   // the segment taking events; nil opens a new one
	open  []*segment // segments with events not all stored, oldest first
	next  uint64     // the id of the next new segment
	bytes int64      // bytes of the segments on disk
	limit int64
	// created is set when a segment was created since the last sync, whose
	// directory entry must then reach the disk too.
	created bool
	enc     []byte // scratch space for encoding a record, guarded by mu
}

// segment is one journal file.
type segment struct {
	id     uint64
	f      *os.File
	size   int64
	events int  // events appended
	stored int  // of which the first stored ones
	dirty  bool // written since the last sync
}

// position is where an event sits in the journal: its segment and its
// index there. The zero position is that of an event not journaled.
type position struct {
	seg   *segment
	index int
}

// leftover is a segment found at start, with the events in it that are
// not yet stored.
type leftover struct {
	path   string
	stored int     // events of the segment already stored
	events []Event // the rest
}

// openJournal opens the journal in dir, creating the folder, and returns
// it with the segments left in it, oldest first.
func openJournal(dir string, log *slog.Logger) (*journal, []leftover, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("analytics: journal: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("analytics: journal: %w", err)
	}
	j := &journal{dir: dir, limit: maxJournalBytes}
	var ids []uint64
	for _, e := range entries {
		if id, ok := segmentID(e.Name()); ok && e.Type().IsRegular() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var left []leftover
	for _, id := range ids {
		j.next = id + 1
		path := j.path(id)
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("analytics: journal: %w", err)
		}
		l := leftover{path: path}
		var events []Event
		l.stored, events, err = readSegment(f)
		f.Close()
		if err != nil {
			// A torn or damaged record ends what can be read; what comes
			// before it is still good.
			log.Error("analytics: journal segment damaged; its events after the damage are lost",
				slog.String("segment", path), slog.Int("events_read", len(events)), slog.Any("error", err))
		}
		if l.stored < len(events) {
			l.events = events[l.stored:]
		}
		left = append(left, l)
	}
	return j, left, nil
}

// segmentID parses a segment's file name.
func segmentID(name string) (uint64, bool) {
	s, ok := strings.CutPrefix(name, segmentPrefix)
	if !ok {
		return 0, false
	}
	if s, ok = strings.CutSuffix(s, segmentSuffix); !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(s, 10, 64)
	return id, err == nil
}

func (j *journal) path(id uint64) string {
	return filepath.Join(j.dir, fmt.Sprintf("%s%020d%s", segmentPrefix, id, segmentSuffix))
}

// readSegment reads a segment's records: the events in order, and the
// count of them already stored. It stops at the first damaged record and
// returns what it read before it with the error.
func readSegment(r io.Reader) (stored int, events []Event, err error) {
	br := bufio.NewReader(r)
	var head [8]byte
	for {
		if _, err := io.ReadFull(br, head[:]); err != nil {
			if err == io.EOF {
				return stored, events, nil
			}
			return stored, events, fmt.Errorf("record %d: torn header: %w", len(events), err)
		}
		n := binary.LittleEndian.Uint32(head[:4])
		if n == 0 || n > maxRecord {
			return stored, events, fmt.Errorf("record %d: bad length %d", len(events), n)
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(br, payload); err != nil {
			return stored, events, fmt.Errorf("record %d: torn payload: %w", len(events), err)
		}
		if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(head[4:]) {
			return stored, events, fmt.Errorf("record %d: checksum mismatch", len(events))
		}
		switch payload[0] {
		case recordEvent:
			var e Event
			if err := json.Unmarshal(payload[1:], &e); err != nil {
				return stored, events, fmt.Errorf("record %d: %w", len(events), err)
			}
			events = append(events, e)
		case recordStored:
			v, k := binary.Uvarint(payload[1:])
			if k <= 0 || k != len(payload)-1 || v > uint64(len(events)) {
				return stored, events, fmt.Errorf("record %d: bad stored count", len(events))
			}
			stored = max(stored, int(v))
		default:
			return stored, events, fmt.Errorf("record %d: unknown kind %q", len(events), payload[0])
		}
	}
}

// appendRecord appends the record of payload to dst.
func appendRecord(dst, payload []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, crc32.Checksum(payload, castagnoli))
	return append(dst, payload...)
}

// encodeEvent returns the record of e, reusing dst's storage.
func encodeEvent(dst []byte, e *Event) ([]byte, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	dst = append(dst[:0], 0, 0, 0, 0, 0, 0, 0, 0, recordEvent)
	dst = append(dst, body...)
	payload := dst[8:]
	binary.LittleEndian.PutUint32(dst[:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(dst[4:8], crc32.Checksum(payload, castagnoli))
	return dst, nil
}

// storedRecord is the record saying the first n events are stored.
func storedRecord(n int) []byte {
	return appendRecord(nil, binary.AppendUvarint([]byte{recordStored}, uint64(n)))
}

// append writes e at the end of the current segment with one write system
// call and returns its position. The caller queues it in the order of the
// positions.
func (j *journal) append(e *Event) (position, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.bytes >= j.limit {
		return position{}, errJournalFull
	}
	rec, err := encodeEvent(j.enc, e)
	if err != nil {
		return position{}, fmt.Errorf("analytics: journal event: %w", err)
	}
	j.enc = rec
	if j.cur == nil {
		if err := j.create(); err != nil {
			return position{}, err
		}
	}
	s := j.cur
	n, err := s.f.Write(rec)
	if err != nil {
		// A record written in part would hide every later one from replay:
		// cut it off, or, failing that, start a new segment after it.
		if n > 0 && s.f.Truncate(s.size) != nil {
			s.size += int64(n)
			j.bytes += int64(n)
			j.cur = nil
		}
		return position{}, fmt.Errorf("analytics: journal event: %w", err)
	}
	s.size += int64(n)
	j.bytes += int64(n)
	s.dirty = true
	p := position{seg: s, index: s.events}
	s.events++
	if s.size >= segmentBytes {
		j.cur = nil
	}
	return p, nil
}

// create opens a new current segment; j.mu is held.
func (j *journal) create() error {
	id := j.next
	f, err := os.OpenFile(j.path(id), os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("analytics: journal: new segment: %w", err)
	}
	j.next++
	j.cur = &segment{id: id, f: f}
	j.open = append(j.open, j.cur)
	j.created = true
	return nil
}

// stored records that every event up to and including p is stored:
// segments before p's are removed, and p's is removed too when all of its
// events are stored, or else told how many are.
func (j *journal) stored(p position) error {
	if p.seg == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !slices.Contains(j.open, p.seg) {
		return nil
	}
	var errs []error
	for j.open[0] != p.seg {
		errs = append(errs, j.remove(j.open[0]))
	}
	s := p.seg
	s.stored = max(s.stored, p.index+1)
	if s.stored == s.events {
		errs = append(errs, j.remove(s))
		return errors.Join(errs...)
	}
	rec := storedRecord(s.stored)
	n, err := s.f.Write(rec)
	s.size += int64(n)
	j.bytes += int64(n)
	s.dirty = true
	if err != nil {
		errs = append(errs, fmt.Errorf("analytics: journal: segment %d: record stored events: %w", s.id, err))
	}
	return errors.Join(errs...)
}

// remove closes and deletes s, the oldest open segment; j.mu is held.
func (j *journal) remove(s *segment) error {
	if s == j.cur {
		j.cur = nil
	}
	j.open = slices.DeleteFunc(j.open, func(o *segment) bool { return o == s })
	j.bytes -= s.size
	cerr := s.f.Close()
	if err := os.Remove(j.path(s.id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("analytics: journal: remove segment %d: %w", s.id, err)
	}
	if cerr != nil {
		return fmt.Errorf("analytics: journal: close segment %d: %w", s.id, cerr)
	}
	return nil
}

// sync flushes the segments written since the last sync to the disk, and
// the folder when a segment was created since. Only the buffer's writing
// goroutine calls it, as the only one that closes segments.
func (j *journal) sync() error {
	j.mu.Lock()
	var files []*os.File
	for _, s := range j.open {
		if s.dirty {
			files = append(files, s.f)
			s.dirty = false
		}
	}
	created := j.created
	j.created = false
	j.mu.Unlock()
	var errs []error
	for _, f := range files {
		if err := f.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("analytics: journal: sync %s: %w", f.Name(), err))
		}
	}
	if created {
		errs = append(errs, syncDir(j.dir))
	}
	return errors.Join(errs...)
}

// close flushes the open segments to the disk and closes them. Those with
// events not stored stay, to be replayed at the next start.
func (j *journal) close() error {
	err := j.sync()
	j.mu.Lock()
	defer j.mu.Unlock()
	errs := []error{err}
	for _, s := range j.open {
		errs = append(errs, s.f.Close())
	}
	j.open, j.cur = nil, nil
	return errors.Join(errs...)
}

// replay writes the events of the leftover segments to w, oldest first,
// recording progress in each segment after each batch, and removes each
// segment once its events are stored. Events the store refuses for good
// (ErrTooOld) are dropped and logged, as the buffer does.
func replay(ctx context.Context, w Writer, left []leftover, log *slog.Logger) (written, dropped int, err error) {
	for _, l := range left {
		done := l.stored
		for start := 0; start < len(l.events); start += batchSize {
			batch := l.events[start:min(start+batchSize, len(l.events))]
			n, d, err := replayBatch(ctx, w, batch)
			written += n
			dropped += d
			if err != nil {
				return written, dropped, fmt.Errorf("analytics: replay journal segment %s: %w", filepath.Base(l.path), err)
			}
			done += len(batch)
			if start+len(batch) < len(l.events) {
				if err := appendStored(l.path, done); err != nil {
					return written, dropped, err
				}
			}
		}
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return written, dropped, fmt.Errorf("analytics: journal: %w", err)
		}
	}
	if dropped > 0 {
		log.Error("analytics: journaled events dropped: older than the retained raw events", slog.Int("events", dropped))
	}
	return written, dropped, nil
}

// replayBatch writes batch, or, when the store refuses it for good, its
// events one by one, dropping those it refuses for good.
func replayBatch(ctx context.Context, w Writer, batch []Event) (written, dropped int, err error) {
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	err = w.WriteEvents(wctx, batch)
	cancel()
	if err == nil {
		return len(batch), 0, nil
	}
	if !errors.Is(err, ErrTooOld) {
		return 0, 0, err
	}
	for _, e := range batch {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err := w.WriteEvents(wctx, []Event{e})
		cancel()
		switch {
		case err == nil:
			written++
		case errors.Is(err, ErrTooOld):
			dropped++
		default:
			return written, dropped, err
		}
	}
	return written, dropped, nil
}

// appendStored records in the segment at path that its first n events
// are stored.
func appendStored(path string, n int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("analytics: journal: %w", err)
	}
	_, err = f.Write(storedRecord(n))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("analytics: journal: record stored events in %s: %w", filepath.Base(path), err)
	}
	return nil
}

// syncDir flushes a folder's entries to the disk.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("analytics: journal: sync folder: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("analytics: journal: sync folder: %w", err)
	}
	return nil
}

// replayJournal opens the journal in dir, or returns nil when dir is "",
// and first writes the events left in it by a process that ended without
// storing them.
func (c *Collector) replayJournal(ctx context.Context, dir string, w Writer) (*journal, error) {
	if dir == "" {
		return nil, nil
	}
	j, left, err := openJournal(dir, c.log)
	if err != nil {
		return nil, err
	}
	written, dropped, err := replay(ctx, w, left, c.log)
	if err != nil {
		return nil, err
	}
	if written+dropped > 0 {
		c.log.Info("analytics: wrote the events journaled before the last stop",
			slog.Int("events", written), slog.Int("dropped", dropped))
	}
	return j, nil
}
