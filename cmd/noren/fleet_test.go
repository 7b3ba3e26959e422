package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/noren-web/noren/internal/analytics"
	"github.com/noren-web/noren/internal/analytics/clickhouse"
	"github.com/noren-web/noren/internal/mail/mailtest"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

// fleetLockout is the fleet's lockout_threshold: wrong passwords in a row
// that lock an account for a client network.
const fleetLockout = 4

// TestFleet runs two instances on one PostgreSQL and one ClickHouse
// database behind a round-robin proxy, and checks what a fleet must
// share: visits counted as one instance counts them, a lockout, the
// single use of a proof of work, mail sent once after an outage, and no
// acknowledged write lost when an instance is killed.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three Noren processes")
	}
	smtp := mailtest.Start(t)
	smtpAddr := smtp.Addr()
	f := newFleet(t, 2, storetest.FreshDSN(t, store.Postgres), storetest.ClickHouse(t), smtpAddr)
	// One instance alone, on databases of its own, for the visits to be
	// compared with.
	one := newFleet(t, 1, storetest.FreshDSN(t, store.Postgres), storetest.ClickHouse(t), smtpAddr)

	// The mail server goes away before a data-subject request is made; it
	// comes back in the "mail" subtest, by when each instance's worker has
	// tried to send and failed.
	smtp.Close()
	requester := fleetRequest(t, f)

	t.Run("visits", func(t *testing.T) { testFleetVisits(t, f, one) })
	t.Run("lockout", func(t *testing.T) { testFleetLockout(t, f) })
	t.Run("proof of work", func(t *testing.T) { testFleetProofOfWork(t, f) })
	t.Run("mail", func(t *testing.T) { testFleetMail(t, smtpAddr, requester) })
	t.Run("kill", func(t *testing.T) { testFleetKill(t, f) })
}

// fleetPost sends a pageview of path from the visitor at addr with agent
// ua through the fleet's proxy, to the instance node names ("" for the
// next in turn), and returns the status.
func fleetPost(c *http.Client, f *fleet, node, path, addr, ua string) (int, error) {
	var header []string
	if node != "" {
		header = []string{fleetNodeHeader, node}
	}
	return postEventTo(c, f.proxy.URL, fleetSite, path, addr, ua, header...)
}

// postEventTo is postEvent for any site.
func postEventTo(c *http.Client, base, site, path, addr, ua string, header ...string) (int, error) {
	body := fmt.Sprintf(`{"name":"pageview","domain":%q,"url":"https://%s%s","screen_width":1280}`, site, site, path)
	req, err := http.NewRequest("POST", base+"/api/event", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", ua)
	req.Header.Set("X-Forwarded-For", addr)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// testFleetVisits sends one stream of pageviews, each visitor's events
// alternating between the two instances, through the fleet and through
// one instance at the same moments: visitors, visits and bounce rate come
// out the same, and the mean visit duration within the milliseconds
// between the two copies of an event. The stream runs in real time, so
// its visits have no 30-minute gap: the gap itself is tested on a fake
// clock in internal/analytics.
func testFleetVisits(t *testing.T, f, one *fleet) {
	// Visitor v sends 1 + v%4 pageviews, one a round from round v%3:
	// every fourth visitor bounces.
	const visitors, rounds = 16, 6
	c := fleetClient()
	sent, bounces := 0, 0
	for round := range rounds {
		var wg sync.WaitGroup
		var failed atomic.Value
		for v := range visitors {
			k := round - v%3
			if k < 0 || k >= 1+v%4 {
				continue
			}
			if k == 0 && v%4 == 0 {
				bounces++
			}
			sent++
			addr := fmt.Sprintf("198.51.100.%d", v+1)
			ua := fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64; rv:%d.0) Gecko/20100101 Firefox/%d.0", 120+v, 120+v)
			path := fmt.Sprintf("/en/visit/%d/%d", v, k)
			for _, to := range []func() (int, error){
				func() (int, error) { return fleetPost(c, f, fmt.Sprint(k%2), path, addr, ua) },
				func() (int, error) { return fleetPost(c, one, "", path, addr, ua) },
			} {
				wg.Go(func() {
					if code, err := to(); err != nil || code != http.StatusAccepted {
						failed.Store(fmt.Sprintf("%s: status %d, %v", path, code, err))
					}
				})
			}
		}
		wg.Wait()
		if msg := failed.Load(); msg != nil {
			t.Fatal(msg)
		}
		time.Sleep(300 * time.Millisecond)
	}

	pair, single := fleetTotals(t, f, sent), fleetTotals(t, one, sent)
	t.Logf("two instances: %+v; one: %+v", pair, single)
	if pair.Visitors != visitors || single.Visitors != visitors {
		t.Errorf("visitors: two instances %d, one %d; want %d", pair.Visitors, single.Visitors, visitors)
	}
	if pair.Visits != visitors || single.Visits != visitors {
		t.Errorf("visits: two instances %d, one %d; want %d, one each", pair.Visits, single.Visits, visitors)
	}
	if want := float64(bounces) / visitors; math.Abs(pair.BounceRate-want) > 1e-9 || math.Abs(single.BounceRate-want) > 1e-9 {
		t.Errorf("bounce rate: two instances %v, one %v; want %v", pair.BounceRate, single.BounceRate, want)
	}
	if d := pair.VisitDuration - single.VisitDuration; d.Abs() > 100*time.Millisecond || pair.VisitDuration < 300*time.Millisecond {
		t.Errorf("mean visit duration: two instances %v, one %v", pair.VisitDuration, single.VisitDuration)
	}
}

// fleetTotals reads the fleet's figures of the last hour as the dashboard
// does, once all pageviews of want have been written.
func fleetTotals(t *testing.T, f *fleet, pageviews int) analytics.Totals {
	t.Helper()
	ctx := context.Background()
	s, err := clickhouse.Open(ctx, f.clickhouse)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var totals analytics.Totals
	err = eventually(15*time.Second, func() error {
		now := time.Now()
		totals, err = s.Totals(ctx, analytics.Filter{Site: fleetSite, From: now.Add(-time.Hour), To: now.Add(time.Minute)})
		if err == nil && totals.Pageviews != int64(pageviews) {
			err = fmt.Errorf("%d pageviews stored of %d sent", totals.Pageviews, pageviews)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return totals
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in at the instance node through the fleet's proxy from
// the client network of addr, and returns the status of the answer.
func signIn(t *testing.T, f *fleet, node, addr, email, password string) int {
	t.Helper()
	c := fleetClient()
	resp, page := do(t, c, "GET", f.proxy.URL+"/admin/login", addr, nil, fleetNodeHeader, node)
	m := csrfInput.FindStringSubmatch(page)
	var cookie *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == "__Host-noren_login" {
			cookie = k
		}
	}
	if m == nil || cookie == nil {
		t.Fatalf("the sign-in page has no CSRF token (status %d)", resp.StatusCode)
	}
	form := url.Values{"email": {email}, "password": {password}, "csrf": {m[1]}, "lang": {"en"}}
	resp, _ = do(t, c, "POST", f.proxy.URL+"/admin/login", addr, strings.NewReader(form.Encode()),
		fleetNodeHeader, node, "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookie.Name+"="+cookie.Value)
	return resp.StatusCode
}

// testFleetLockout makes fleetLockout wrong passwords from one network,
// alternating between the instances: the right password is then refused
// from that network on both, and still taken from another.
func testFleetLockout(t *testing.T, f *fleet) {
	const email, password = "analyst@example.jp", "a long and right password 1729"
	var out, errOut strings.Builder
	env := &environment{stdin: strings.NewReader(password + "\n"), stdout: &out, stderr: &errOut,
		getenv: append(os.Environ(), "NOREN_DATABASE="+f.dsn, "NOREN_CONFIG=")}
	if code := run(context.Background(), env, []string{"user", "add", "-data", t.TempDir(), "-email", email, "-role", "analyst",
		"-password-stdin", "-vault-key-file", f.keyFile}); code != 0 {
		t.Fatalf("user add: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	const attacker = "203.0.113.7"
	for i := range fleetLockout {
		if code := signIn(t, f, fmt.Sprint(i%2), attacker, email, "wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d, want 401", i+1, code)
		}
	}
	for _, node := range []string{"0", "1"} {
		if code := signIn(t, f, node, attacker, email, password); code == http.StatusSeeOther {
			t.Errorf("instance %s let the locked-out network sign in", node)
		}
	}
	if code := signIn(t, f, "1", "192.0.2.44", email, password); code != http.StatusSeeOther {
		t.Errorf("the right password from another network: status %d, want 303", code)
	}
}

// testFleetProofOfWork sends one solved contact form to each instance:
// the first takes it, the second refuses the spent challenge.
func testFleetProofOfWork(t *testing.T, f *fleet) {
	const addr = "198.18.7.10"
	before := f.count(t, "SELECT count(*) FROM contact_submissions")
	form := fetchContactForm(t, f.proxy.URL, addr, 7)
	time.Sleep(time.Until(form.fetched.Add(3500 * time.Millisecond)))
	c := fleetClient()
	var codes []int
	for _, node := range []string{"0", "1"} {
		resp, _ := do(t, c, "POST", f.proxy.URL+"/en/contact/form", addr, strings.NewReader(form.values.Encode()),
			fleetNodeHeader, node, "Content-Type", "application/x-www-form-urlencoded")
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != http.StatusSeeOther || codes[1] == http.StatusSeeOther {
		t.Errorf("the same solved form on each instance: statuses %v, want 303 then a refusal", codes)
	}
	if got := f.count(t, "SELECT count(*) FROM contact_submissions") - before; got != 1 {
		t.Errorf("%d submissions stored, want 1", got)
	}
}

// fleetRequest makes a data-subject request through the proxy and returns
// the address its confirmation goes to.
func fleetRequest(t *testing.T, f *fleet) string {
	t.Helper()
	const email = "fleet.requester@example.jp"
	form := url.Values{
		"kind": {"cessation"}, "email": {email}, "confirm": {"yes"},
		"name": {"川蝉 花子"}, "address": {"みなとベイ市港町1-2-3"}, "target": {"お問い合わせの記録"},
		"details": {"消去を求めます。利用する必要がなくなったためです。"}}
	resp, _ := do(t, fleetClient(), "POST", f.proxy.URL+"/en/privacy/requests", "198.18.9.1", strings.NewReader(form.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("data-subject request while the mail server is down: status %d, want it accepted", resp.StatusCode)
	}
	return email
}

// testFleetMail brings the mail server back at its address: the
// confirmation of the request made while it was down arrives, once,
// although both instances run the outbox's worker.
func testFleetMail(t *testing.T, addr, requester string) {
	smtp := mailtest.Start(t, mailtest.At(addr))
	// The first retry comes at most 30 seconds after the failed attempt.
	smtp.Wait(t, 1, 40*time.Second)
	// Both workers poll every two seconds: a second copy would be here
	// by now.
	time.Sleep(5 * time.Second)
	sent := 0
	for _, m := range smtp.Messages() {
		if len(m.To) == 1 && m.To[0] == requester {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("%d confirmations sent to the requester, want 1", sent)
	}
}

// testFleetKill loads the fleet with events, consent choices and contact
// submissions, kills one instance outright in the middle, and restarts it
// on its data folder: every write that was acknowledged is stored, and
// the other instance answered ready throughout.
func testFleetKill(t *testing.T, f *fleet) {
	const forms = 6
	var contacts []contactForm
	for i := range forms {
		contacts = append(contacts, fetchContactForm(t, f.proxy.URL, fmt.Sprintf("198.18.%d.20", i), 100+i))
	}
	start := contacts[0].fetched
	ctx, cancel := context.WithDeadline(context.Background(), start.Add(6*time.Second))
	defer cancel()

	var (
		mu                     sync.Mutex
		events, receipts, refs []string
		afterKill              atomic.Int64
		killed                 atomic.Bool
		unready                []string
		probes                 atomic.Int64
	)
	c := fleetClient()
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				path := fmt.Sprintf("/en/kill/%d/%d", g, i)
				addr := fmt.Sprintf("203.0.%d.%d", g, i%250+1)
				if code, err := fleetPost(c, f, "", path, addr, firefox); err == nil && code == http.StatusAccepted {
					mu.Lock()
					events = append(events, path)
					mu.Unlock()
					if killed.Load() {
						afterKill.Add(1)
					}
				}
			}
		})
	}
	wg.Go(func() {
		for ctx.Err() == nil {
			body := `{"categories":{"analytics":true},"method":"banner","lang":"en"}`
			req, _ := http.NewRequest("POST", f.proxy.URL+"/api/consent", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("X-Forwarded-For", "198.19.0.1")
			resp, err := c.Do(req)
			if err != nil {
				continue
			}
			var answer struct{ Receipt string }
			err = json.NewDecoder(resp.Body).Decode(&answer)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && err == nil && answer.Receipt != "" {
				mu.Lock()
				receipts = append(receipts, answer.Receipt)
				mu.Unlock()
			}
		}
	})
	wg.Go(func() {
		for i, form := range contacts {
			time.Sleep(time.Until(form.fetched.Add(3100*time.Millisecond + time.Duration(i)*150*time.Millisecond)))
			req, _ := http.NewRequest("POST", f.proxy.URL+"/en/contact/form", strings.NewReader(form.values.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.18.%d.20", i))
			resp, err := c.Do(req)
			if err != nil {
				continue
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); resp.StatusCode == http.StatusSeeOther && strings.Contains(loc, "ref=") {
				mu.Lock()
				refs = append(refs, loc[strings.Index(loc, "ref=")+4:])
				mu.Unlock()
			}
		}
	})
	survivor := f.nodes[1].proc.Load().url
	wg.Go(func() {
		for ctx.Err() == nil {
			probes.Add(1)
			resp, err := http.Get(survivor + "/readyz")
			if err != nil {
				mu.Lock()
				unready = append(unready, err.Error())
				mu.Unlock()
			} else {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					mu.Lock()
					unready = append(unready, resp.Status)
					mu.Unlock()
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	time.Sleep(time.Until(start.Add(3500 * time.Millisecond)))
	f.nodes[0].kill(t)
	killed.Store(true)
	wg.Wait()
	f.start(t, f.nodes[0])

	t.Logf("acknowledged: %d events (%d after the kill), %d consent choices, %d contact submissions; %d readiness probes",
		len(events), afterKill.Load(), len(receipts), len(refs), probes.Load())
	if afterKill.Load() == 0 || len(receipts) == 0 || len(refs) == 0 {
		t.Errorf("the load did not go on through the kill: %d events after it, %d choices, %d submissions",
			afterKill.Load(), len(receipts), len(refs))
	}
	for _, u := range unready {
		t.Errorf("the surviving instance answered /readyz: %s", u)
	}
	for _, r := range receipts {
		if n := f.count(t, "SELECT count(*) FROM consent_records WHERE receipt = $1", r); n != 1 {
			t.Errorf("consent receipt %s: %d records", r, n)
		}
	}
	for _, ref := range refs {
		if n := f.count(t, "SELECT count(*) FROM contact_submissions WHERE reference = $1", ref); n != 1 {
			t.Errorf("contact submission %s: %d rows", ref, n)
		}
	}
	var missing []string
	err := eventually(15*time.Second, func() error {
		stored := storedKillPaths(t, f)
		missing = missing[:0]
		for _, p := range events {
			if stored[p] == 0 {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 {
			return errors.New("missing")
		}
		return nil
	})
	if err != nil {
		t.Errorf("%d of %d acknowledged events are not stored, such as %v", len(missing), len(events), missing[:min(5, len(missing))])
	}
}

// storedKillPaths counts the stored pageviews of testFleetKill by path.
func storedKillPaths(t *testing.T, f *fleet) map[string]int {
	t.Helper()
	opts, err := chgo.ParseDSN(f.clickhouse)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := chgo.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(context.Background(), "SELECT path, count() FROM analytics_events WHERE site = ? AND startsWith(path, '/en/kill/') GROUP BY path", fleetSite)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	paths := map[string]int{}
	for rows.Next() {
		var p string
		var n uint64
		if err := rows.Scan(&p, &n); err != nil {
			t.Fatal(err)
		}
		paths[p] = int(n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return paths
}
