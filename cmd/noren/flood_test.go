package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// floodDuration is how long TestFloodSparesConsentAndContact floods the
// collector: a few seconds in the test suite, longer when
// NOREN_FLOOD_DURATION says so (scripts/bench/flood.sh sets 60s).
func floodDuration(t *testing.T) time.Duration {
	if v := os.Getenv("NOREN_FLOOD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("NOREN_FLOOD_DURATION: %v", err)
		}
		return d
	}
	return 8 * time.Second
}

// stallLimit is how long a consent choice or a contact submission may
// take during the flood before the test calls it stalled: a hundred times
// the worst seen here, so that only a stall, never a slow machine, fails.
const stallLimit = 5 * time.Second

// latencies collects the durations of one kind of request.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d)
	l.mu.Unlock()
}

// summary returns the count, median, 99th percentile and maximum.
func (l *latencies) summary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.all) == 0 {
		return "none"
	}
	s := slices.Clone(l.all)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("n=%d p50=%v p99=%v max=%v", len(s), at(0.5).Round(time.Millisecond), at(0.99).Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond))
}

// rssMB returns a process's resident and peak resident memory in MB.
func rssMB(pid int) (now, peak int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			now = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return now, peak
}

// contactForm is a contact form fetched, its proof of work solved, ready
// to be sent once a person could have filled it in.
type contactForm struct {
	values  url.Values
	fetched time.Time
}

func fetchContactForm(t *testing.T, base, addr string, i int) contactForm {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/en/contact/form", nil)
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page strings.Builder
	_, err = fmt.Fprint(&page, readAll(t, resp))
	if err != nil {
		t.Fatal(err)
	}
	m, d := challengeInput.FindStringSubmatch(page.String()), powDifficulty.FindStringSubmatch(page.String())
	if m == nil || d == nil {
		t.Fatalf("the form has no challenge")
	}
	token := html.UnescapeString(m[1])
	difficulty, _ := strconv.Atoi(d[1])
	return contactForm{fetched: time.Now(), values: url.Values{
		"challenge": {token}, "pow": {solvePoW(token, difficulty)}, "website": {""}, "notice_read": {"yes"},
		"f_name": {fmt.Sprintf("Flood Test %d", i)}, "f_email": {fmt.Sprintf("flood%d@example.jp", i)},
		"f_organisation": {"Noren"}, "f_topic": {"programme"}, "f_message": {"Sent while the collector is flooded."},
	}}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// TestFloodSparesConsentAndContact floods the collector with events from
// thousands of networks (past the per-network limit) and from one network
// (held back by it), with made-up paths and user agents, while visitors
// record consent choices and send the contact form: every choice and every
// submission is answered without a server error and stored, the flood
// from one network is answered 429, and memory stays bounded. It runs on
// the demo (SQLite) and on noren serve with PostgreSQL. Latencies are
// logged, not asserted; scripts/bench/flood.sh runs it for a minute and
// docs/benchmarks.md has the figures.
func TestFloodSparesConsentAndContact(t *testing.T) {
	if testing.Short() {
		t.Skip("floods Noren for several seconds")
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		args := []string{"demo", "--addr", "127.0.0.1:0", "--data", dir, "--sample-events", "0", "--trusted-proxies", "127.0.0.0/8", "--log-level", "warn"}
		if v := os.Getenv("NOREN_FLOOD_RATE_LIMIT"); v != "" {
			args = append(args, "--rate-limit", v)
		}
		floodAndCheck(t, start(t, args...), demoDSN(dir))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.FreshDSN(t, store.Postgres)
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "vault.keys")
		if code, _, stderr := runNoren("keys", "generate", keyFile); code != 0 {
			t.Fatalf("keys generate: %s", stderr)
		}
		env := []string{"NOREN_DATABASE=" + dsn, "NOREN_SITE_DOMAIN=demo.localhost", "NOREN_LOG_LEVEL=warn"}
		if v := os.Getenv("NOREN_FLOOD_RATE_LIMIT"); v != "" {
			env = append(env, "NOREN_ANALYTICS_RATE_LIMIT="+v)
		}
		p := startWith(t, env, "serve", "--listen", "127.0.0.1:0", "--data", dir, "--manifest", "../../web/demo/manifest.yaml",
			"--site-root", "../../web/demo/site", "--trusted-proxies", "127.0.0.0/8", "--vault-key-file", keyFile)
		floodAndCheck(t, p, dsn)
	})
}

// floodAndCheck floods p's collector as TestFloodSparesConsentAndContact
// says, then stops p and checks the records in the database dsn.
func floodAndCheck(t *testing.T, p *process, dsn string) {
	pid := p.cmd.Process.Pid
	flood := floodDuration(t)

	const contacts = 3
	forms := make([]contactForm, contacts)
	for i := range forms {
		forms[i] = fetchContactForm(t, p.url, fmt.Sprintf("198.18.%d.10", i), i)
	}

	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	defer transport.CloseIdleConnections()
	flooder := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), flood)
	defer cancel()
	var statuses sync.Map // int -> *atomic.Int64
	count := func(code int) {
		v, _ := statuses.LoadOrStore(code, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	var wg sync.WaitGroup
	peak := atomic.Int64{}
	if script := os.Getenv("NOREN_FLOOD_WRK"); script != "" {
		// wrk floods at the collector's full rate, as the benchmarks do.
		wg.Go(func() {
			d := fmt.Sprintf("%ds", int(flood.Seconds()))
			out, err := exec.Command("wrk", "-t2", "-c64", "-d"+d, "-s", script, p.url).CombinedOutput()
			t.Logf("wrk: %v\n%s", err, out)
		})
	}
	for w := range 24 {
		if os.Getenv("NOREN_FLOOD_WRK") != "" {
			break
		}
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for ctx.Err() == nil {
				addr := fmt.Sprintf("203.%d.%d.%d", r.IntN(200), r.IntN(256), r.IntN(256))
				if w < 4 {
					addr = "192.0.2.1" // one network, beyond its limit
				}
				ua := fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64; rv:%d.0) Gecko/20100101 Firefox/%d.0", r.IntN(1e6), r.IntN(1e6))
				code, err := postEvent(flooder, p.url, fmt.Sprintf("/en/flood/%d", r.Uint64()), addr, ua)
				if err != nil {
					if ctx.Err() == nil {
						count(-1)
					}
					continue
				}
				count(code)
			}
		})
	}
	wg.Go(func() {
		for ctx.Err() == nil {
			_, hwm := rssMB(pid)
			peak.Store(int64(hwm))
			time.Sleep(200 * time.Millisecond)
		}
	})

	client := &http.Client{Timeout: 2 * time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var consentTimes, contactTimes, pageTimes, consoleTimes latencies
	var receipts []string
	var references []string
	var failures []string
	time.Sleep(flood / 8) // let the flood build up
	next := 0
	for ctx.Err() == nil {
		body := `{"categories":{"analytics":true},"method":"banner","lang":"en"}`
		req, _ := http.NewRequest("POST", p.url+"/api/consent", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("X-Forwarded-For", "198.19.0.1")
		began := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			failures = append(failures, "consent: "+err.Error())
			continue
		}
		consentTimes.add(time.Since(began))
		var answer struct{ Receipt string }
		err = json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || answer.Receipt == "" {
			failures = append(failures, fmt.Sprintf("consent: status %d, %v", resp.StatusCode, err))
		} else {
			receipts = append(receipts, answer.Receipt)
		}

		for _, page := range []struct {
			path  string
			times *latencies
		}{{"/en/privacy", &pageTimes}, {"/admin/login", &consoleTimes}} {
			began = time.Now()
			resp, err = client.Get(p.url + page.path)
			if err != nil || resp.StatusCode != http.StatusOK {
				failures = append(failures, fmt.Sprintf("%s: %v %v", page.path, resp, err))
				continue
			}
			readAll(t, resp)
			page.times.add(time.Since(began))
		}

		if next < contacts && time.Since(forms[next].fetched) > 3500*time.Millisecond {
			form := forms[next]
			req, _ := http.NewRequest("POST", p.url+"/en/contact/form", strings.NewReader(form.values.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.18.%d.10", next))
			began = time.Now()
			resp, err := client.Do(req)
			if err != nil {
				failures = append(failures, "contact: "+err.Error())
			} else {
				resp.Body.Close()
				contactTimes.add(time.Since(began))
				loc := resp.Header.Get("Location")
				if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "ref=") {
					failures = append(failures, fmt.Sprintf("contact: status %d, Location %q", resp.StatusCode, loc))
				} else {
					references = append(references, loc[strings.Index(loc, "ref=")+4:])
				}
			}
			next++
		}
		time.Sleep(50 * time.Millisecond)
	}
	wg.Wait()
	now, hwm := rssMB(pid)
	var summary []string
	statuses.Range(func(k, v any) bool {
		summary = append(summary, fmt.Sprintf("%v:%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	slices.Sort(summary)
	t.Logf("flood of %v: collector answers %s", flood, strings.Join(summary, " "))
	t.Logf("consent POST %s", consentTimes.summary())
	t.Logf("contact POST %s", contactTimes.summary())
	t.Logf("privacy page %s", pageTimes.summary())
	t.Logf("console sign-in page %s", consoleTimes.summary())
	t.Logf("RSS %d MB after the flood, peak %d MB", now, max(hwm, int(peak.Load())))
	if resp, err := http.Get(p.url + "/metrics"); err == nil {
		for _, line := range strings.Split(readAll(t, resp), "\n") {
			if strings.HasPrefix(line, "noren_analytics_requests_total{") || strings.HasPrefix(line, "noren_analytics_events_written_total ") {
				t.Log(line)
			}
		}
	}
	if after := os.Getenv("NOREN_FLOOD_AFTER"); after != "" {
		d, _ := time.ParseDuration(after)
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(30 * time.Second) {
			now, hwm := rssMB(pid)
			t.Logf("RSS %d MB, peak %d MB", now, hwm)
		}
	}

	for _, f := range failures {
		t.Error(f)
	}
	// Not a performance figure but a stall: before analytics had a
	// database of its own, a consent choice waited 22 s and more behind the
	// rollups of a flood (65 s and a 500 in the field).
	for _, l := range []*latencies{&consentTimes, &contactTimes} {
		if worst := slices.Max(append([]time.Duration{0}, l.all...)); worst > stallLimit {
			t.Errorf("a consent choice or contact submission waited %v", worst.Round(time.Millisecond))
		}
	}
	if next < contacts {
		t.Errorf("only %d of %d contact forms were sent in %v", next, contacts, flood)
	}
	for _, code := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout} {
		if v, ok := statuses.Load(code); ok {
			t.Errorf("the collector answered %d %d times", code, v.(*atomic.Int64).Load())
		}
	}
	if os.Getenv("NOREN_FLOOD_WRK") == "" {
		if v, ok := statuses.Load(http.StatusTooManyRequests); (!ok || v.(*atomic.Int64).Load() == 0) && os.Getenv("NOREN_FLOOD_RATE_LIMIT") != "0" {
			t.Error("the flood from one network was never answered 429")
		}
		if v, ok := statuses.Load(http.StatusAccepted); !ok || v.(*atomic.Int64).Load() == 0 {
			t.Error("no event was accepted")
		}
	}
	if hwm > 400 {
		t.Errorf("peak RSS %d MB", hwm)
	}

	stop(t, p, syscall.SIGTERM)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, r := range receipts {
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM consent_records WHERE receipt = $1", r).Scan(&n); err != nil || n != 1 {
			t.Errorf("consent receipt %s: %d records, %v", r, n, err)
		}
	}
	for _, ref := range references {
		var n int
		if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM contact_submissions WHERE reference = $1", ref).Scan(&n); err != nil || n != 1 {
			t.Errorf("contact submission %s: %d rows, %v", ref, n, err)
		}
	}
	if len(receipts) == 0 {
		t.Error("no consent choice was recorded")
	}
}
