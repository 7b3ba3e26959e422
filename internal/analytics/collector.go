package analytics

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/noren-web/noren/internal/analytics/enrich"
	"github.com/noren-web/noren/internal/ratelimit"
	"github.com/noren-web/noren/internal/server"
	"github.com/noren-web/noren/internal/store"
)

// Limits on what the collector accepts. A request over any of them is
// refused whole: nothing of it is stored.
const (
	maxBody       = 8 << 10 // bytes of a request body
	maxName       = 120     // bytes of an event name
	maxProps      = 30      // properties of one event
	maxProp       = 300     // bytes of a property key or value
	maxPath       = 2000    // bytes of a page path
	maxDomains    = 10      // sites one event is sent to
	maxStoredText = 2000    // bytes of a referrer, hostname or link kept
)

// rotateEvery is how often the collector checks for a new UTC day, so that
// the day's salt exists and the salt before yesterday is gone even on a
// site that gets no events.
const rotateEvery = time.Minute

// transparentGIF is the smallest transparent 1×1 GIF, 43 bytes.
var transparentGIF = []byte{
	'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
	'!', 0xf9, 4, 1, 0, 0, 0, 0,
	',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 'D', 1, 0, ';',
}

// CollectorOptions configures a Collector. Sites, Writer and DB are
// required.
type CollectorOptions struct {
	// Sites are the domains whose events are accepted, as the tracker's
	// data-domain names them ("example.com").
	Sites []string
	// Writer stores the accepted events.
	Writer Writer
	// DB holds the daily salts, shared by every collector using it.
	DB *store.DB
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives the collector's own messages; nil discards them.
	Logger *slog.Logger
	// Registerer, when set, receives the collector's metrics.
	Registerer prometheus.Registerer
	// Countries, when set, fills in each event's country.
	Countries *enrich.Countries
	// Networks, when set, fills in each event's network.
	Networks *enrich.Networks
	// QueueSize bounds the events held in memory before they are
	// written; 0 means 100,000.
	QueueSize int
	// JournalDir, when set, is the folder where accepted events are kept
	// until they are stored, so that a process killed outright loses none
	// it acknowledged (see journal); it should be the instance's own.
	JournalDir string
	// Allow, when set, decides whether a request's events may be kept,
	// such as by the visitor's consent. A refused request is answered as
	// an accepted one, since a visitor's choice is no client error, and
	// nothing of it is stored.
	Allow func(r *http.Request) bool
	// AllowOrigins lists origins besides the collector's own
	// ("https://shop.example.com") from which browsers may send events.
	AllowOrigins []string
	// Limiter, when set, bounds the requests each client network may
	// send; the rest are answered 429 before anything else is done.
	Limiter *ratelimit.Limiter
}

// Collector receives events over HTTP, at the same endpoints and in the
// same formats as Plausible's Events API, and queues them for its Writer.
//
// Pages load Noren's tracker, served at /noren/a.js, which posts to
// POST /api/event:
//
//	<script defer src="/noren/a.js" data-domain="example.com"></script>
//
// Its data attributes: data-domain, the site (default: the page's host; a
// comma-separated list sends every event to each site); data-exclude,
// comma-separated paths not to count, where * matches any characters;
// data-search-param, the query parameters holding a site search (default
// q,query,s), with the result count read from an element's
// data-noren-results attribute; data-noren-404 (or a <meta
// name="noren-404"> in the page) to report the page as not found; and
// data-local, to count pages served from localhost, 127.0.0.0/8 or [::1],
// which are ignored otherwise. Custom events are sent with
// noren("Signup", {props: {plan: "pro"}, callback: fn}); calls made before
// the tracker has loaded wait in a queue when the page defines
//
//	window.noren = window.noren || function () { (window.noren.q = window.noren.q || []).push(arguments) }
//
// Visitors without JavaScript load a pixel instead, injected by the server
// as
//
//	<noscript><img src="/api/event.gif" alt="" width="1" height="1" referrerpolicy="same-origin"></noscript>
//
// As the page's address is not known when the snippet is injected, a
// pixel request without a u parameter takes its page from the Referer
// header, which the browser fills with the page's full URL for a request
// to the same origin; such a pageview has no referrer of its own.
//
// Nothing that identifies a person is kept or logged: the client address
// and user agent only feed the visitor hash (see visitorKey) and the
// country, network, browser and device lookups, and are then dropped.
//
// Accepted events wait in memory for up to a second before they are
// written; a process killed outright (SIGKILL, a crash) loses those unless
// JournalDir is set, while Close writes them all. It keeps no visit state: visits are derived
// from the stored events (see VisitGap), so instances behind a load
// balancer need no affinity.
// With Networks set, an address's first event waits for its reverse-DNS
// lookup (at most half a second).
type Collector struct {
	sites     map[string]bool
	origins   map[string]bool
	allow     func(r *http.Request) bool
	now       func() time.Time
	log       *slog.Logger
	salts     *salts
	buf       *buffer
	countries *enrich.Countries
	networks  *enrich.Networks
	outcomes  *prometheus.CounterVec
	limiter   *ratelimit.Limiter
	// bodies holds buffers of maxBody+1 bytes for reading request bodies.
	bodies sync.Pool

	// redactions counts the personal data replaced in events, by kind.
	redactions *prometheus.CounterVec

	stopRotate context.CancelFunc
	rotated    chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// Outcomes of a request, the values of the requests_total metric's label.
const (
	outcomeAccepted   = "accepted"
	outcomeBot        = "bot"
	outcomeDeclined   = "declined"
	outcomeInvalid    = "invalid"
	outcomeOverloaded = "overloaded"
	outcomeLimited    = "limited"
)

// NewCollector returns a collector for opt.Sites, with the day's salt
// loaded from opt.DB, and starts the goroutine that writes its events.
// Close it to write what it has accepted.
func NewCollector(ctx context.Context, opt CollectorOptions) (*Collector, error) {
	switch {
	case len(opt.Sites) == 0:
		return nil, errors.New("analytics: collector: no sites")
	case opt.Writer == nil:
		return nil, errors.New("analytics: collector: no writer")
	case opt.DB == nil:
		return nil, errors.New("analytics: collector: no database for the salts")
	}
	c := &Collector{
		sites:     make(map[string]bool),
		origins:   make(map[string]bool),
		allow:     opt.Allow,
		now:       opt.Now,
		log:       opt.Logger,
		salts:     newSalts(opt.DB),
		countries: opt.Countries,
		networks:  opt.Networks,
		limiter:   opt.Limiter,
		rotated:   make(chan struct{}),
	}
	c.bodies.New = func() any { b := make([]byte, maxBody+1); return &b }
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, s := range opt.Sites {
		d := strings.ToLower(strings.TrimSpace(s))
		if d == "" || !validText(d, maxStoredText) {
			return nil, fmt.Errorf("analytics: collector: bad site %q", s)
		}
		c.sites[d] = true
	}
	for _, o := range opt.AllowOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("analytics: collector: allowed origin %q is not scheme://host[:port]", o)
		}
		c.origins[u.Scheme+"://"+strings.ToLower(u.Host)] = true
	}

	// Fail at start, not at the first event, when the salts cannot be had.
	if _, err := c.salts.forDay(ctx, c.now()); err != nil {
		return nil, err
	}
	j, err := c.replayJournal(ctx, opt.JournalDir, opt.Writer)
	if err != nil {
		return nil, err
	}

	c.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "noren_analytics_requests_total",
		Help: "Requests to the analytics collector, by outcome: accepted, bot or declined (answered but not stored: a crawler, or a visitor whose choices do not allow analytics), invalid, limited (the client's network sent too many) or overloaded (the queue was full); the last three are refused and their events dropped.",
	}, []string{"outcome"})
	c.redactions = newRedactions()
	failures := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "noren_analytics_write_failures_total",
		Help: "Failed attempts to write a batch of analytics events; each is retried.",
	})
	written := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "noren_analytics_events_written_total",
		Help: "Analytics events written to storage.",
	})
	dropped := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "noren_analytics_events_dropped_total",
		Help: "Accepted analytics events the storage refused for good (older than the retained raw events).",
	})
	for _, o := range []string{outcomeAccepted, outcomeBot, outcomeDeclined, outcomeInvalid, outcomeOverloaded, outcomeLimited} {
		c.outcomes.WithLabelValues(o)
	}
	if opt.Registerer != nil {
		queued := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "noren_analytics_queue_events",
			Help: "Accepted analytics events waiting to be written.",
		}, func() float64 { return float64(c.buf.len()) })
		metrics := []prometheus.Collector{c.outcomes, c.redactions, failures, written, dropped, queued}
		for i, m := range metrics {
			if err := opt.Registerer.Register(m); err != nil {
				for _, done := range metrics[:i] {
					opt.Registerer.Unregister(done)
				}
				return nil, fmt.Errorf("analytics: register metrics: %w", err)
			}
		}
	}
	c.buf = newBuffer(opt.Writer, j, c.log, opt.QueueSize, flushInterval, failures, written, dropped)

	rotateCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	c.stopRotate = stop
	go c.rotateSalts(rotateCtx)
	return c, nil
}

// Register adds the collector's endpoints to mux: POST /api/event (with
// OPTIONS for the CORS preflight of allowed origins) and GET (and HEAD)
// /api/event.gif. GET /api/event and POST /api/event.gif are answered 405.
// Every pattern names its method, so that they sit beside a site's
// catch-all "/" or "GET /" without conflict.
func (c *Collector) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/event", c.serveEvent)
	mux.HandleFunc("OPTIONS /api/event", c.preflight)
	mux.HandleFunc("GET /api/event", c.methodNotAllowed("POST, OPTIONS"))
	mux.HandleFunc("GET /api/event.gif", c.servePixel)
	mux.HandleFunc("POST /api/event.gif", c.methodNotAllowed("GET, HEAD"))
}

// Handler returns a handler of the collector's endpoints alone, as
// Register adds them, for a server to send CollectorPaths to directly.
func (c *Collector) Handler() http.Handler {
	mux := http.NewServeMux()
	c.Register(mux)
	return mux
}

// methodNotAllowed answers a method the endpoint does not take.
func (c *Collector) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Allow", allow)
		c.refuse(w, &refusal{http.StatusMethodNotAllowed, "use " + strings.Split(allow, ",")[0]})
	}
}

// Close stops accepting events and writes every event accepted so far,
// retrying until they are written or ctx ends; the error then tells how
// many were lost. Later requests are answered 503.
func (c *Collector) Close(ctx context.Context) error {
	c.closeOnce.Do(func() {
		c.closeErr = c.buf.close(ctx)
		c.stopRotate()
		<-c.rotated
	})
	return c.closeErr
}

func (c *Collector) rotateSalts(ctx context.Context) {
	defer close(c.rotated)
	t := time.NewTicker(rotateEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.salts.rotate(ctx, c.now()); err != nil && ctx.Err() == nil {
				c.log.Error("analytics: rotate daily salt", slog.Any("error", err))
			}
		}
	}
}

// refusal is why a request was not taken in: its HTTP status and a
// reason for the client. The reason never quotes the request.
type refusal struct {
	status int
	reason string
}

func badRequest(format string, args ...any) *refusal {
	return &refusal{status: http.StatusBadRequest, reason: fmt.Sprintf(format, args...)}
}

func (c *Collector) serveEvent(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if c.limited(w, r) {
		return
	}
	if err := c.checkOrigin(w, r); err != nil {
		c.refuse(w, err)
		return
	}
	if r.ContentLength > maxBody {
		c.refuse(w, &refusal{http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxBody)})
		return
	}
	bufp := c.bodies.Get().(*[]byte)
	defer c.bodies.Put(bufp)
	n, err := io.ReadFull(r.Body, *bufp)
	switch {
	case n > maxBody:
		c.refuse(w, &refusal{http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxBody)})
		return
	case err != nil && err != io.EOF && err != io.ErrUnexpectedEOF:
		c.refuse(w, badRequest("body could not be read"))
		return
	}
	p, perr := parsePayload((*bufp)[:n])
	var sites []string
	if perr == nil {
		sites, perr = c.servedSites(p.domains)
	}
	if perr != nil {
		c.refuse(w, perr)
		return
	}
	// Only a valid event is told apart as a bot's: as with Plausible, a
	// malformed one is refused whoever sends it.
	agent := enrich.ParseAgent(r.UserAgent())
	if ignored := c.ignored(r, agent); ignored != "" {
		c.outcomes.WithLabelValues(ignored).Inc()
		answerOK(w)
		return
	}
	if perr := c.collect(r, p, sites, agent); perr != nil {
		c.refuse(w, perr)
		return
	}
	answerOK(w)
}

// ignored returns the outcome of a request answered as accepted but not
// stored, outcomeBot or outcomeDeclined, or "" for one to take in.
func (c *Collector) ignored(r *http.Request, agent enrich.Agent) string {
	switch {
	case isBot(r, agent):
		return outcomeBot
	case c.allow != nil && !c.allow(r):
		return outcomeDeclined
	}
	return ""
}

// answerOK answers a POST as Plausible's API does when it takes an event
// in: 202 with "ok". Bots get the same answer.
func answerOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, "ok")
}

func (c *Collector) servePixel(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if c.limited(w, r) {
		return
	}
	p, err := parsePixel(r.URL.Query(), r.Referer())
	var sites []string
	if err == nil {
		sites, err = c.servedSites(p.domains)
	}
	if err != nil {
		c.refuse(w, err)
		return
	}
	agent := enrich.ParseAgent(r.UserAgent())
	if ignored := c.ignored(r, agent); ignored != "" {
		c.outcomes.WithLabelValues(ignored).Inc()
	} else if err := c.collect(r, p, sites, agent); err != nil {
		c.refuse(w, err)
		return
	}
	h.Set("Content-Type", "image/gif")
	h.Set("Content-Length", strconv.Itoa(len(transparentGIF)))
	if r.Method != http.MethodHead {
		w.Write(transparentGIF)
	}
}

// collect enriches the event p describes, redacts it and queues it, once
// for each of its sites.
func (c *Collector) collect(r *http.Request, p payload, sites []string, agent enrich.Agent) *refusal {
	now := c.now().UTC()
	key, kerr := c.salts.forDay(r.Context(), now)
	if kerr != nil {
		c.log.Error("analytics: daily salt unavailable", slog.Any("error", kerr))
		return &refusal{http.StatusServiceUnavailable, "events cannot be taken in at the moment"}
	}
	addr := server.ClientAddr(r)
	ua := r.UserAgent()
	e := c.event(r, p, agent, addr, now)
	c.redact(&e)
	for _, site := range sites {
		e.Site = site
		e.Visitor = key.visitor(site, addr, ua)
		if err := c.buf.add(e); err != nil {
			return &refusal{http.StatusServiceUnavailable, "too many events at the moment; retry later"}
		}
	}
	c.outcomes.WithLabelValues(outcomeAccepted).Inc()
	return nil
}

// limited answers 429 and reports true when the client's network has
// used up its share, before any other work is spent on the request.
func (c *Collector) limited(w http.ResponseWriter, r *http.Request) bool {
	if c.limiter == nil || c.limiter.Allow(server.ClientAddr(r), c.now()) {
		return false
	}
	c.outcomes.WithLabelValues(outcomeLimited).Inc()
	w.Header().Set("Retry-After", "1")
	http.Error(w, "too many events from your network; retry later", http.StatusTooManyRequests)
	return true
}

// refuse answers a request that was not taken in.
func (c *Collector) refuse(w http.ResponseWriter, e *refusal) {
	outcome := outcomeInvalid
	if e.status == http.StatusServiceUnavailable {
		outcome = outcomeOverloaded
		// About the time the queue takes to move a batch on.
		w.Header().Set("Retry-After", "1")
	}
	c.outcomes.WithLabelValues(outcome).Inc()
	http.Error(w, e.reason, e.status)
}

// servedSites returns the sites of the domains, all of which must be
// served. A domain under "www." counts for the site without it, so that a
// pixel on www.example.com, whose domain is the page's host, counts for
// example.com.
func (c *Collector) servedSites(domains []string) ([]string, *refusal) {
	sites := make([]string, len(domains))
	for i, d := range domains {
		switch {
		case c.sites[d]:
			sites[i] = d
		case c.sites[strings.TrimPrefix(d, "www.")]:
			sites[i] = strings.TrimPrefix(d, "www.")
		default:
			return nil, badRequest("domain is not a site this collector serves")
		}
	}
	return sites, nil
}

// checkOrigin lets a browser send events from the collector's own origin
// and from the allowed ones only. Requests without an Origin header come
// from programs, which may post events as Plausible's API allows.
//
// Behind a proxy that rewrites the Host header, the site's own origin
// must be listed in AllowOrigins.
func (c *Collector) checkOrigin(w http.ResponseWriter, r *http.Request) *refusal {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	w.Header().Add("Vary", "Origin")
	if c.origins[origin] {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		return nil
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host) {
		return nil
	}
	return &refusal{http.StatusForbidden, "origin not allowed"}
}

// preflight answers the CORS preflight of a browser on an allowed origin
// about to post JSON.
func (c *Collector) preflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Origin")
	if !c.origins[origin] {
		c.refuse(w, &refusal{http.StatusForbidden, "origin not allowed"})
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// isBot reports whether r comes from a crawler, a link preview or a
// prefetch rather than a person looking at a page. Such requests are
// answered as if taken in, so that nothing tells a bot to try harder, and
// never stored.
func isBot(r *http.Request, agent enrich.Agent) bool {
	h := r.Header
	if agent.Bot || h.Get("User-Agent") == "" {
		return true
	}
	if strings.EqualFold(h.Get("X-Purpose"), "preview") {
		return true
	}
	for _, name := range []string{"Purpose", "Sec-Purpose", "X-Moz"} {
		if strings.Contains(strings.ToLower(h.Get(name)), "prefetch") {
			return true
		}
	}
	return false
}

// event builds the stored event of p, sent by agent from addr at now;
// Site and Visitor are set by the caller.
func (c *Collector) event(r *http.Request, p payload, agent enrich.Agent, addr netip.Addr, now time.Time) Event {
	e := Event{
		Time:     now,
		Name:     p.name,
		Path:     p.path,
		Hostname: p.hostname,
		Props:    p.props,
		Search:   p.search,
		Results:  p.results,
		Link:     p.link,
	}
	src, ref := enrich.Referrer(p.url, p.referrer, p.hostname)
	e.Referrer = storable(ref, maxStoredText)
	e.Source = storable(src.Source, maxProp)
	e.Medium = storable(src.Medium, maxProp)
	e.Campaign = storable(src.Campaign, maxProp)

	e.Browser = storable(agent.Browser, maxProp)
	e.BrowserVersion = storable(agent.BrowserVersion, maxProp)
	e.OS = storable(agent.OS, maxProp)
	e.Device = storable(agent.Device, maxProp)
	if p.screenWidth > 0 {
		e.Screen = enrich.ScreenClass(p.screenWidth)
	}
	e.Language = enrich.Language(r.Header.Get("Accept-Language"))
	// Both are nil-safe: a nil database or resolver names nothing.
	e.Country = c.countries.Country(addr)
	e.Network = storable(c.networks.Domain(r.Context(), addr), maxProp)
	return e
}

// storable returns s when it is fit to store, and "" otherwise.
func storable(s string, limit int) string {
	if !validText(s, limit) {
		return ""
	}
	return s
}

// validText reports whether s is valid UTF-8 of at most limit bytes with
// no control characters, which no stored field needs and which some
// databases refuse (PostgreSQL takes no NUL in text).
func validText(s string, limit int) bool {
	if len(s) > limit || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// payload is a validated event as a client sent it.
type payload struct {
	name        string
	url         string // the page's full URL, for campaign parameters
	domains     []string
	referrer    string
	path        string
	hostname    string
	screenWidth int
	props       map[string]string
	search      string
	results     int
	link        string
}

// wirePayload is the JSON body of POST /api/event. Plausible's API names
// the fields in full; its script uses one-letter names, and sends props
// as an object or, in older versions, as a string holding one.
type wirePayload struct {
	Name        *string         `json:"name"`
	N           *string         `json:"n"`
	URL         *string         `json:"url"`
	U           *string         `json:"u"`
	Domain      *string         `json:"domain"`
	D           *string         `json:"d"`
	Referrer    *string         `json:"referrer"`
	R           *string         `json:"r"`
	Props       json.RawMessage `json:"props"`
	P           json.RawMessage `json:"p"`
	M           json.RawMessage `json:"m"`
	ScreenWidth json.RawMessage `json:"screen_width"`
	W           json.RawMessage `json:"w"`
	HashMode    json.RawMessage `json:"h"`
}

func firstOf(vals ...*string) string {
	for _, v := range vals {
		if v != nil {
			return *v
		}
	}
	return ""
}

func firstRaw(vals ...json.RawMessage) json.RawMessage {
	for _, v := range vals {
		if len(v) > 0 && !bytes.Equal(v, []byte("null")) {
			return v
		}
	}
	return nil
}

// parsePayload reads and validates the body of POST /api/event.
func parsePayload(body []byte) (payload, *refusal) {
	var wp wirePayload
	if err := json.Unmarshal(body, &wp); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return payload{}, badRequest("%s has the wrong type", typeErr.Field)
		}
		return payload{}, badRequest("body is not a JSON object")
	}
	raw := rawEvent{
		name:     firstOf(wp.Name, wp.N),
		url:      firstOf(wp.URL, wp.U),
		domain:   firstOf(wp.Domain, wp.D),
		referrer: firstOf(wp.Referrer, wp.R),
		hashMode: isTrue(wp.HashMode),
	}
	if w := firstRaw(wp.ScreenWidth, wp.W); w != nil {
		// A width that is not a sensible number is left out rather
		// than refusing the event: it only sorts the screen class.
		if f, err := strconv.ParseFloat(string(w), 64); err == nil && f >= 1 && f <= 100_000 {
			raw.screenWidth = int(f)
		}
	}
	props, err := parseProps(firstRaw(wp.Props, wp.P, wp.M))
	if err != nil {
		return payload{}, err
	}
	raw.props = props
	return raw.validate()
}

// isTrue reads Plausible's hash-mode flag, sent as 1 or true.
func isTrue(v json.RawMessage) bool {
	s := string(v)
	return s == "1" || s == "true"
}

// parsePixel reads the query of GET /api/event.gif: u the page URL
// (default: the Referer header), r the referrer, n the event name
// (default "pageview") and d the domain (default: the page's host).
func parsePixel(q url.Values, referer string) (payload, *refusal) {
	raw := rawEvent{
		name:     q.Get("n"),
		url:      q.Get("u"),
		domain:   q.Get("d"),
		referrer: q.Get("r"),
	}
	if raw.name == "" {
		raw.name = "pageview"
	}
	if raw.url == "" {
		raw.url = referer
	}
	if raw.domain == "" {
		if u, err := url.Parse(raw.url); err == nil {
			raw.domain = u.Hostname()
		}
	}
	return raw.validate()
}

// rawEvent is an event's fields as received, before validation.
type rawEvent struct {
	name, url, domain, referrer string
	hashMode                    bool
	screenWidth                 int
	props                       map[string]string
}

// eventName returns the name an event is stored under: Plausible's script
// names its built-in events differently, and they are stored under
// Noren's names so that its reports find them.
func eventName(sent string) string {
	switch sent {
	case "Outbound Link: Click":
		return "outbound"
	case "File Download":
		return "download"
	}
	return sent
}

func (raw rawEvent) validate() (payload, *refusal) {
	p := payload{referrer: raw.referrer, screenWidth: raw.screenWidth, props: raw.props, results: -1}
	switch {
	case raw.name == "":
		return p, badRequest("name is missing")
	case len(raw.name) > maxName:
		return p, badRequest("name is over %d bytes", maxName)
	case !validText(raw.name, maxName):
		return p, badRequest("name is not printable UTF-8")
	case raw.url == "":
		return p, badRequest("url is missing")
	case raw.domain == "":
		return p, badRequest("domain is missing")
	}
	p.name = eventName(raw.name)

	u, err := url.Parse(raw.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return p, badRequest("url is not an absolute http or https URL")
	}
	p.url = raw.url
	p.hostname = strings.ToLower(u.Hostname())
	p.path = u.Path
	if p.path == "" {
		p.path = "/"
	}
	if raw.hashMode && u.Fragment != "" {
		p.path += "#" + u.Fragment
	}
	switch {
	case len(p.path) > maxPath:
		return p, badRequest("path is over %d bytes", maxPath)
	case !validText(p.path, maxPath):
		return p, badRequest("path is not printable UTF-8")
	case !validText(p.hostname, maxStoredText):
		return p, badRequest("url has a bad host")
	}

	for _, d := range strings.Split(raw.domain, ",") {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" {
			continue
		}
		if len(p.domains) == maxDomains {
			return p, badRequest("more than %d domains", maxDomains)
		}
		p.domains = append(p.domains, d)
	}
	if len(p.domains) == 0 {
		return p, badRequest("domain is missing")
	}

	switch p.name {
	case "outbound", "download":
		link, ok := p.props["url"]
		if !ok {
			return p, badRequest("%s event needs a url prop", p.name)
		}
		lu, err := url.Parse(link)
		if err != nil || (lu.Scheme != "http" && lu.Scheme != "https") || lu.Host == "" {
			return p, badRequest("url prop is not an absolute http or https URL")
		}
		// The query and fragment of a link may carry tokens or
		// personal data; the report needs the page linked to.
		lu.RawQuery, lu.Fragment, lu.RawFragment, lu.User = "", "", "", nil
		p.link = lu.String()
		delete(p.props, "url")
	case "search":
		q, ok := p.props["query"]
		if !ok {
			return p, badRequest("search event needs a query prop")
		}
		p.search = q
		delete(p.props, "query")
		if s, ok := p.props["results"]; ok {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return p, badRequest("results prop is not a count")
			}
			p.results = n
			delete(p.props, "results")
		}
	}
	if len(p.props) == 0 {
		p.props = nil
	}
	return p, nil
}

// parseProps reads custom properties: a JSON object, or a JSON string
// holding one, whose values are strings, numbers or booleans. Null values
// and empty strings are left out.
func parseProps(raw json.RawMessage) (map[string]string, *refusal) {
	if raw == nil {
		return nil, nil
	}
	if raw[0] == '"' {
		var inner string
		if err := json.Unmarshal(raw, &inner); err != nil {
			return nil, badRequest("props is not a JSON object")
		}
		raw = json.RawMessage(inner)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, badRequest("props is not a JSON object")
	}
	if len(obj) > maxProps {
		return nil, badRequest("more than %d props", maxProps)
	}
	props := make(map[string]string, len(obj))
	for k, v := range obj {
		if k == "" || len(k) > maxProp || !validText(k, maxProp) {
			return nil, badRequest("a prop key is empty, over %d bytes or not printable UTF-8", maxProp)
		}
		var s string
		switch v[0] {
		case 'n':
			continue
		case '{', '[':
			return nil, badRequest("prop values must be strings, numbers or booleans")
		case '"':
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, badRequest("props is not a JSON object")
			}
		default: // a number, true or false, kept as written
			s = string(v)
		}
		if s == "" {
			continue
		}
		if len(s) > maxProp || !validText(s, maxProp) {
			return nil, badRequest("a prop value is over %d bytes or not printable UTF-8", maxProp)
		}
		props[k] = s
	}
	return props, nil
}
