package analytics

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store/storetest"
)

// journalChildDir, set in the environment, makes TestJournalSurvivesKill
// run as the process that is killed, with its journal in that folder.
const journalChildDir = "NOREN_TEST_JOURNAL_CHILD"

// TestJournalSurvivesKill acknowledges events in a child process whose
// store takes the first batch and then hangs, kills it with SIGKILL, and
// checks that every event it acknowledged is either stored or written at
// the next start, none twice.
func TestJournalSurvivesKill(t *testing.T) {
	if dir := os.Getenv(journalChildDir); dir != "" {
		journalChild(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestJournalSurvivesKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), journalChildDir+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked, stored := map[string]bool{}, map[string]bool{}
	blocked, after := false, 0
	lines := bufio.NewScanner(out)
	for lines.Scan() && (!blocked || after < 300) {
		kind, path, _ := strings.Cut(lines.Text(), " ")
		switch kind {
		case "ack":
			acked[path] = true
			if blocked {
				after++
			}
		case "stored":
			stored[path] = true
		case "blocked":
			blocked = true
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if !blocked || len(stored) == 0 {
		t.Fatalf("the child stopped before its store hung (%d acknowledged, %d stored)", len(acked), len(stored))
	}

	w := &recordingWriter{}
	j, left, err := openJournal(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	if _, _, err := replay(context.Background(), w, left, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	replayed := map[string]bool{}
	for _, e := range w.events() {
		if stored[e.Path] || replayed[e.Path] {
			t.Errorf("event %s written twice", e.Path)
		}
		replayed[e.Path] = true
	}
	for path := range acked {
		if !stored[path] && !replayed[path] {
			t.Errorf("acknowledged event %s lost", path)
		}
	}
	if segs, _ := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix)); len(segs) > 0 {
		t.Errorf("segments left after replay: %v", segs)
	}
}

// journalChild acknowledges events until it is killed; its store takes
// one batch and then never answers again.
func journalChild(t *testing.T, dir string) {
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	calls := 0
	w := writerFunc(func(ctx context.Context, events []Event) error {
		if calls++; calls > 1 {
			say("blocked")
			select {}
		}
		for _, e := range events {
			say("stored %s", e.Path)
		}
		return nil
	})
	h := newCollectorHarness(t, storetest.SQLite(t), func(o *CollectorOptions) {
		o.JournalDir = dir
		o.Writer = w
	})
	for i := 0; ; i++ {
		if rec := h.post(fmt.Sprintf(`{"name":"pageview","url":"https://example.com/%d","domain":"example.com"}`, i)); rec.Code == http.StatusAccepted {
			say("ack /%d", i)
		}
	}
}

// writerFunc is a Writer of a function.
type writerFunc func(ctx context.Context, events []Event) error

func (f writerFunc) WriteEvents(ctx context.Context, events []Event) error { return f(ctx, events) }

// journalEvents reads every event of the segments in dir, stored or not.
func journalEvents(t *testing.T, dir string) int {
	t.Helper()
	segs, err := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range segs {
		f, err := os.Open(s)
		if err != nil {
			t.Fatal(err)
		}
		_, events, err := readSegment(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		n += len(events)
	}
	return n
}

// TestJournalRemovesStoredSegments checks that the journal is emptied as
// its events are stored, and that close leaves nothing to replay.
func TestJournalRemovesStoredSegments(t *testing.T) {
	dir := t.TempDir()
	h := newCollectorHarness(t, nil, func(o *CollectorOptions) { o.JournalDir = dir })
	const n = 2300 // over two batches
	for i := range n {
		if rec := h.post(fmt.Sprintf(`{"name":"pageview","url":"https://example.com/%d","domain":"example.com"}`, i)); rec.Code != http.StatusAccepted {
			t.Fatalf("event %d: status %d", i, rec.Code)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(h.w.events()) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for journalEvents(t, dir) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := journalEvents(t, dir); got > 0 {
		t.Errorf("%d stored events still in the journal", got)
	}
	if got := len(h.flush()); got != n {
		t.Errorf("%d events written, want %d", got, n)
	}
	if segs, _ := filepath.Glob(filepath.Join(dir, "*")); len(segs) > 0 {
		t.Errorf("journal not empty after close: %v", segs)
	}
}

// TestJournalBound holds the store: the journal refuses events past its
// bound with 503, holds exactly the acknowledged ones meanwhile, and all
// of those are written once the store moves again.
func TestJournalBound(t *testing.T) {
	for _, tc := range []struct {
		name  string
		queue int
		limit int64
	}{
		{"queue full", 10, maxJournalBytes},
		{"journal full", 0, 8 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			gate := make(chan struct{})
			h := newCollectorHarness(t, nil, func(o *CollectorOptions) {
				o.JournalDir = dir
				o.QueueSize = tc.queue
			})
			h.w.gate = gate
			h.c.buf.journal.mu.Lock()
			h.c.buf.journal.limit = tc.limit
			h.c.buf.journal.mu.Unlock()
			accepted, refused := 0, 0
			for i := range 1100 {
				switch rec := h.post(fmt.Sprintf(`{"name":"pageview","url":"https://example.com/%d","domain":"example.com"}`, i)); rec.Code {
				case http.StatusAccepted:
					accepted++
				case http.StatusServiceUnavailable:
					refused++
				default:
					t.Fatalf("status %d", rec.Code)
				}
			}
			if refused == 0 {
				t.Fatalf("all %d events accepted past the bound", accepted)
			}
			if got := journalEvents(t, dir); got != accepted {
				t.Errorf("journal holds %d events, want the %d accepted", got, accepted)
			}
			close(gate)
			if got := len(h.flush()); got != accepted {
				t.Errorf("%d events written, want the %d accepted", got, accepted)
			}
		})
	}
}

// TestJournalReplaysBeforeNewEvents leaves a journal with five events of
// which the first two are stored: a new collector writes the other three
// before it returns, and removes the segment.
func TestJournalReplaysBeforeNewEvents(t *testing.T) {
	dir := t.TempDir()
	j, left, err := openJournal(dir, slog.New(slog.DiscardHandler))
	if err != nil || len(left) > 0 {
		t.Fatalf("open empty journal: %v, %d left", err, len(left))
	}
	at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	var second position
	for i := range 5 {
		p, err := j.append(&Event{Time: at, Site: "example.com", Name: "pageview", Path: fmt.Sprintf("/%d", i), Visitor: 1<<63 + uint64(i), Props: map[string]string{"k": "値"}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			second = p
		}
	}
	if err := j.stored(second); err != nil {
		t.Fatal(err)
	}
	if err := j.close(); err != nil {
		t.Fatal(err)
	}

	h := newCollectorHarness(t, nil, func(o *CollectorOptions) { o.JournalDir = dir })
	var paths []string
	for _, e := range h.w.events() {
		paths = append(paths, e.Path)
		if e.Visitor < 1<<63 || e.Props["k"] != "値" || !e.Time.Equal(at) {
			t.Errorf("event %s read back as %+v", e.Path, e)
		}
	}
	if got := strings.Join(paths, " "); got != "/2 /3 /4" {
		t.Errorf("replayed %q, want the three not stored", got)
	}
	if got := journalEvents(t, dir); got != 0 {
		t.Errorf("%d events left in the journal after replay", got)
	}
}

// TestJournalTornRecord cuts the last record short, as a power loss can:
// the events before it are still replayed, and the damage is logged.
func TestJournalTornRecord(t *testing.T) {
	dir := t.TempDir()
	j, _, err := openJournal(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := j.append(&Event{Site: "example.com", Name: "pageview", Path: fmt.Sprintf("/%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	j.close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*"+segmentSuffix))
	if len(segs) != 1 {
		t.Fatalf("segments %v, want one", segs)
	}
	fi, err := os.Stat(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(segs[0], fi.Size()-3); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	_, left, err := openJournal(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || len(left[0].events) != 2 {
		t.Fatalf("leftovers %+v, want one segment with two events", left)
	}
	if !strings.Contains(logs.String(), "damaged") {
		t.Errorf("damage not logged: %s", logs.String())
	}
}

// FuzzReadSegment feeds damaged segments to the reader, which must never
// panic nor claim more events stored than it read.
func FuzzReadSegment(f *testing.F) {
	var seg []byte
	rec, _ := encodeEvent(nil, &Event{Site: "example.com", Name: "pageview", Path: "/"})
	seg = append(seg, rec...)
	seg = append(seg, storedRecord(1)...)
	f.Add(seg)
	f.Add(seg[:len(seg)-2])
	f.Fuzz(func(t *testing.T, data []byte) {
		stored, events, _ := readSegment(bytes.NewReader(data))
		if stored > len(events) {
			t.Fatalf("%d stored of %d events", stored, len(events))
		}
	})
}
