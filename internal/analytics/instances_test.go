package analytics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// instanceRequest is one tracker request of instanceStream, sent at its
// time from its visitor's address.
type instanceRequest struct {
	at       time.Time
	visitor  int
	name     string
	path     string
	referrer string
}

// instanceDay is the UTC day instanceStream's requests fall in.
var instanceDay = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// instanceStream returns the requests of 30 visitors in time order: single
// pageviews, visits of a few pages, returns exactly VisitGap after the last
// event (the same visit) and a second later (a new one), and a second
// visit from another source.
func instanceStream() []instanceRequest {
	var stream []instanceRequest
	for v := range 30 {
		start := instanceDay.Add(9*time.Hour + time.Duration(v)*7*time.Minute)
		add := func(after time.Duration, name, path, referrer string) {
			stream = append(stream, instanceRequest{start.Add(after), v, name, path, referrer})
		}
		switch v % 5 {
		case 0:
			add(0, "pageview", "/", "https://www.google.com/")
		case 1:
			add(0, "pageview", "/", "")
			add(5*time.Minute, "pageview", "/news/", "")
			add(12*time.Minute, "pageview", "/contact/", "")
		case 2:
			add(0, "pageview", "/news/", "https://www.google.com/")
			add(VisitGap, "pageview", "/", "")
			add(2*VisitGap, "pageview", "/contact/", "")
		case 3:
			add(0, "pageview", "/", "https://x.com/")
			add(VisitGap+time.Second, "pageview", "/news/", "")
		case 4:
			add(0, "pageview", "/", "https://www.google.com/")
			add(2*time.Minute, "Signup", "/", "")
			add(2*time.Hour, "pageview", "/news/", "https://x.com/")
			add(2*time.Hour+10*time.Minute, "pageview", "/contact/", "")
		}
	}
	slices.SortStableFunc(stream, func(a, b instanceRequest) int { return a.at.Compare(b.at) })
	return stream
}

// replayThrough sends stream through the given number of collectors, all
// writing to s and keeping their salts in db as instances of one fleet do,
// each request to one picked at random, and writes what they accepted.
func replayThrough(t *testing.T, stream []instanceRequest, s Store, db *store.DB, instances int) {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{t: instanceDay}
	var muxes []*http.ServeMux
	var collectors []*Collector
	for range instances {
		c, err := NewCollector(ctx, CollectorOptions{Sites: []string{"example.com"}, Writer: s, DB: db, Now: clock.now})
		if err != nil {
			t.Fatal(err)
		}
		collectors = append(collectors, c)
		mux := http.NewServeMux()
		c.Register(mux)
		muxes = append(muxes, mux)
	}
	rng := rand.New(rand.NewPCG(17, uint64(instances)))
	for _, req := range stream {
		clock.set(req.at)
		body := fmt.Sprintf(`{"name":%q,"url":"https://example.com%s","domain":"example.com","referrer":%q}`, req.name, req.path, req.referrer)
		r := httptest.NewRequest(http.MethodPost, "http://example.com/api/event", strings.NewReader(body))
		r.Header.Set("User-Agent", chromeUA)
		r.Header.Set("Content-Type", "text/plain")
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:4000", req.visitor+1)
		w := httptest.NewRecorder()
		muxes[rng.IntN(len(muxes))].ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			t.Fatalf("request %+v: status %d %q", req, w.Code, w.Body.String())
		}
	}
	for _, c := range collectors {
		closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := c.Close(closeCtx)
		cancel()
		if err != nil {
			t.Fatalf("close: %v", err)
		}
	}
}

// instanceFigures are what the dashboard shows of instanceDay.
type instanceFigures struct {
	Totals           Totals
	Hours            []Point
	Sources, Entries []Row
	FromGoogle       Totals
}

func readInstanceFigures(t *testing.T, s Reader) instanceFigures {
	t.Helper()
	ctx := context.Background()
	f := Filter{Site: "example.com", From: instanceDay, To: instanceDay.AddDate(0, 0, 1)}
	var got instanceFigures
	var err error
	if got.Totals, err = s.Totals(ctx, f); err != nil {
		t.Fatal(err)
	}
	if got.Hours, err = s.Series(ctx, f, "hour"); err != nil {
		t.Fatal(err)
	}
	if got.Sources, err = s.Top(ctx, f, "source", 0); err != nil {
		t.Fatal(err)
	}
	if got.Entries, err = s.Top(ctx, f, "entry", 0); err != nil {
		t.Fatal(err)
	}
	google := f
	google.Where = map[string]string{"source": "Google"}
	if got.FromGoogle, err = s.Totals(ctx, google); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestVisitsDoNotDependOnTheInstance replays one stream of requests through
// one collector and, split at random, through two collectors on one
// database, as a fleet's instances behind a load balancer receive it:
// visitors, visits, bounces and durations come out the same both ways,
// from raw events and from rollups, and as the definitions say.
func TestVisitsDoNotDependOnTheInstance(t *testing.T) {
	stream := instanceStream()
	var events []Event
	for _, req := range stream {
		events = append(events, Event{Site: "example.com", Time: req.at, Name: req.name, Path: req.path, Visitor: uint64(req.visitor + 1)})
	}
	want := newExpectation(events).totals(Filter{Site: "example.com", From: instanceDay, To: instanceDay.AddDate(0, 0, 1)})
	// 30 visitors; 6 of each pattern make 6+6+6+12+12 visits and
	// 6+0+0+12+6 bounces.
	if want.Visitors != 30 || want.Visits != 42 || want.BounceRate != 24.0/42 {
		t.Fatalf("the stream's expected totals are %+v", want)
	}
	check := func(t *testing.T, open func(t *testing.T) (Store, *store.DB)) {
		single, singleDB := open(t)
		replayThrough(t, stream, single, singleDB, 1)
		pair, pairDB := open(t)
		replayThrough(t, stream, pair, pairDB, 2)
		for _, stage := range []string{"raw events", "rollups"} {
			if stage == "rollups" {
				for _, s := range []Store{single, pair} {
					if err := rollUp(context.Background(), s, instanceDay.AddDate(0, 0, 1).Add(time.Hour)); err != nil {
						t.Fatal(err)
					}
				}
			}
			one, two := readInstanceFigures(t, single), readInstanceFigures(t, pair)
			if !reflect.DeepEqual(one, two) {
				t.Errorf("from %s, one instance gives\n%+v\nand two give\n%+v", stage, one, two)
			}
			if one.Totals != want {
				t.Errorf("from %s, totals %+v, want %+v", stage, one.Totals, want)
			}
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		check(t, func(t *testing.T) (Store, *store.DB) {
			db := storetest.Open(t, db.Dialect())
			return newTestStore(t, db), db
		})
	})
	for _, o := range otherStores {
		t.Run(o.name, func(t *testing.T) {
			check(t, func(t *testing.T) (Store, *store.DB) { return o.open(t), storetest.SQLite(t) })
		})
	}
}
