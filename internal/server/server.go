// Package server runs Noren's HTTP front end: listeners and TLS, security
// headers with a per-request CSP nonce, request limits, client address
// resolution behind trusted proxies, privacy-preserving access logs,
// metrics and graceful shutdown, all around the handler that serves the
// site.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/acme/autocert"
)

// Config configures a Server. Start from DefaultConfig.
type Config struct {
	// Listen is the address of the main listener, such as
	// "127.0.0.1:8080" or ":443".
	Listen string
	// TLS turns HTTPS on when it names a certificate or ACME domains.
	TLS TLSConfig

	// ReadHeaderTimeout bounds reading request headers; it must be
	// positive, as it is the defence against slow-header attacks.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request; zero means none.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response; zero means none.
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request; zero means ReadTimeout.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// once shutdown begins; then the remaining connections are closed.
	ShutdownTimeout time.Duration
	// Readiness, when set, turns unready as soon as shutdown begins.
	Readiness *Readiness
	// DrainDelay is how long the server goes on serving once shutdown
	// begins, unready, before it stops taking connections, so that load
	// balancers that probe the readiness see it and send the requests
	// elsewhere first; zero stops at once.
	DrainDelay time.Duration

	// MaxBodyBytes caps request bodies.
	MaxBodyBytes int64
	// MaxHeaderBytes caps request headers.
	MaxHeaderBytes int

	// TrustedProxies are the networks whose forwarding headers are believed.
	TrustedProxies []netip.Prefix
	// Headers configures the security headers. Its TLS field is set by New
	// from the TLS configuration.
	Headers HeaderPolicy
	// RouteGroup labels requests for metrics; nil means DefaultRouteGroup.
	RouteGroup func(*http.Request) string
	// DataPaths are paths of endpoints that take data by the thousand,
	// such as the analytics collector's: their successful requests are
	// not written to the access log one by one (the metrics count them),
	// and their responses carry the fixed headers of HeaderPolicy's
	// DataPaths.
	DataPaths []string
	// AccessLog receives the access log's lines, such as a logger that
	// writes to files of its own; nil means the server's logger.
	AccessLog *slog.Logger
	// DataHandler, when set, answers the requests to DataPaths directly,
	// behind only the client address, metrics, panic recovery, headers
	// and body limit: not the access log, nor whatever handler wraps the
	// site (compression, routing), which such requests never need.
	DataHandler http.Handler
}

// DefaultConfig returns the recommended settings: loopback on port 8080 in
// plain HTTP, timeouts that keep slow clients from holding connections, a
// 1 MiB request body cap and the strict header policy.
func DefaultConfig() Config {
	return Config{
		Listen:            "127.0.0.1:8080",
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ShutdownTimeout:   15 * time.Second,
		MaxBodyBytes:      1 << 20,
		MaxHeaderBytes:    64 << 10,
		Headers: HeaderPolicy{
			FrameAncestors:    []string{"'none'"},
			PermissionsPolicy: DefaultPermissionsPolicy,
			HSTSMaxAge:        365 * 24 * time.Hour,
		},
	}
}

func (c Config) validate() error {
	var errs []error
	if c.ReadHeaderTimeout <= 0 {
		errs = append(errs, errors.New("read header timeout must be positive"))
	}
	if c.ReadTimeout < 0 || c.WriteTimeout < 0 || c.IdleTimeout < 0 {
		errs = append(errs, errors.New("timeouts must not be negative"))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown timeout must be positive"))
	}
	if c.DrainDelay < 0 {
		errs = append(errs, errors.New("drain delay must not be negative"))
	}
	if c.MaxBodyBytes <= 0 {
		errs = append(errs, errors.New("max body bytes must be positive"))
	}
	if c.MaxHeaderBytes <= 0 {
		errs = append(errs, errors.New("max header bytes must be positive"))
	}
	if err := c.TLS.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Server serves one handler over HTTP or HTTPS, with an optional plain-HTTP
// listener that redirects to HTTPS.
type Server struct {
	cfg      Config
	logger   *slog.Logger
	main     *http.Server
	redirect *http.Server // nil unless TLS is on and RedirectHTTP is set
	tls      bool

	// httpsPort is the port redirects point to, empty for 443. It is set
	// before the redirect listener starts serving and not changed after.
	httpsPort string

	mu           sync.Mutex
	started      bool
	addr         net.Addr
	redirectAddr net.Addr
	ready        chan struct{}
}

// New builds a Server that serves handler wrapped in the middleware chain:
// client address resolution, metrics (when reg is not nil), access log,
// panic recovery, security headers and the request body limit, outermost
// first. Metrics and the Go and process collectors are registered on reg.
func New(cfg Config, handler http.Handler, logger *slog.Logger, reg *prometheus.Registry) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("server: config: %w", err)
	}
	s := &Server{cfg: cfg, logger: logger, tls: cfg.TLS.Enabled(), ready: make(chan struct{})}

	policy := cfg.Headers
	policy.TLS = s.tls
	policy.DataPaths = append(policy.DataPaths, cfg.DataPaths...)
	headers, err := SecurityHeaders(policy)
	if err != nil {
		return nil, err
	}
	// TLS is set up before anything is registered on reg, so that a bad
	// certificate leaves the registry as it was.
	var tlsConfig *tls.Config
	var acmeManager *autocert.Manager
	if s.tls {
		if tlsConfig, acmeManager, err = newTLS(cfg.TLS, logger); err != nil {
			return nil, err
		}
	}
	var metrics *Metrics
	if reg != nil {
		if err := RegisterRuntimeCollectors(reg); err != nil {
			return nil, err
		}
		if metrics, err = NewMetrics(reg); err != nil {
			return nil, err
		}
	}
	accessLog := cfg.AccessLog
	if accessLog == nil {
		accessLog = logger
	}
	chain := func(h http.Handler, group func(*http.Request) string) http.Handler {
		mw := []Middleware{ClientAddrs(cfg.TrustedProxies)}
		if metrics != nil {
			mw = append(mw, metrics.Middleware(group))
		}
		mw = append(mw, AccessLog(accessLog, cfg.DataPaths...), Recover(logger), headers, LimitBody(cfg.MaxBodyBytes))
		return Chain(h, mw...)
	}

	main := chain(handler, cfg.RouteGroup)
	if cfg.DataHandler != nil {
		mw := []Middleware{ClientAddrs(cfg.TrustedProxies)}
		if metrics != nil {
			mw = append(mw, metrics.Middleware(cfg.RouteGroup))
		}
		mw = append(mw, Recover(logger), headers, LimitBody(cfg.MaxBodyBytes))
		data, site := Chain(cfg.DataHandler, mw...), main
		main = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if slices.Contains(cfg.DataPaths, r.URL.Path) {
				data.ServeHTTP(w, r)
				return
			}
			site.ServeHTTP(w, r)
		})
	}
	errorLog := log.New(errorLogWriter{logger}, "", 0)
	s.main = s.httpServer(main, errorLog)
	s.main.TLSConfig = tlsConfig
	if s.tls && cfg.TLS.RedirectHTTP != "" {
		var redirect http.Handler = http.HandlerFunc(s.redirectToHTTPS)
		if acmeManager != nil {
			redirect = acmeManager.HTTPHandler(redirect)
		}
		s.redirect = s.httpServer(chain(redirect, func(*http.Request) string { return "redirect" }), errorLog)
	}
	return s, nil
}

func (s *Server) httpServer(h http.Handler, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          errorLog,
	}
}

// Run listens on the configured addresses and serves until ctx is
// cancelled, then shuts down gracefully; see Serve.
func (s *Server) Run(ctx context.Context) error {
	// net.Listen would take an empty address as any port on every
	// interface, which is never what an operator meant.
	if s.cfg.Listen == "" {
		return errors.New("server: no listen address configured")
	}
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("server: listen: %w", err)
	}
	var redirectLn net.Listener
	if s.redirect != nil {
		redirectLn, err = net.Listen("tcp", s.cfg.TLS.RedirectHTTP)
		if err != nil {
			ln.Close()
			return fmt.Errorf("server: listen for HTTP redirect: %w", err)
		}
	}
	return s.Serve(ctx, ln, redirectLn)
}

// Serve serves on ln, and the HTTP-to-HTTPS redirect on redirectLn when
// that is not nil, until ctx is cancelled or a listener fails. Once ctx is
// cancelled it drains: the readiness turns unready and the server goes on
// serving for the drain delay. It then stops accepting connections and
// waits up to the shutdown timeout for in-flight requests to finish before
// closing what remains. It closes the listeners.
// A clean shutdown returns nil. A Server serves once.
func (s *Server) Serve(ctx context.Context, ln, redirectLn net.Listener) error {
	if redirectLn != nil && s.redirect == nil {
		ln.Close()
		redirectLn.Close()
		return errors.New("server: a redirect listener was given but the configuration has no HTTP redirect")
	}
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		ln.Close()
		if redirectLn != nil {
			redirectLn.Close()
		}
		return errors.New("server: Serve called twice")
	}
	s.started = true
	s.addr = ln.Addr()
	if redirectLn != nil {
		s.redirectAddr = redirectLn.Addr()
	}
	s.mu.Unlock()
	if _, port, err := net.SplitHostPort(ln.Addr().String()); err == nil && port != "443" {
		s.httpsPort = port
	}
	close(s.ready)

	errc := make(chan error, 2)
	running := 1
	if s.tls {
		s.logger.Info("serving HTTPS", "addr", ln.Addr().String())
		go func() { errc <- s.main.ServeTLS(ln, "", "") }()
	} else {
		s.logger.Info("serving HTTP", "addr", ln.Addr().String())
		go func() { errc <- s.main.Serve(ln) }()
	}
	if redirectLn != nil {
		running++
		s.logger.Info("redirecting HTTP to HTTPS", "addr", redirectLn.Addr().String())
		go func() { errc <- s.redirect.Serve(redirectLn) }()
	}

	var serveErr error
	select {
	case <-ctx.Done():
		running -= s.drain(errc)
	case err := <-errc:
		running--
		serveErr = fmt.Errorf("server: serve: %w", err)
		if s.cfg.Readiness != nil {
			s.cfg.Readiness.Drain()
		}
	}
	s.logger.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	shutdownErr := s.shutdown(context.WithoutCancel(ctx))
	for ; running > 0; running-- {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) && serveErr == nil {
			serveErr = fmt.Errorf("server: serve: %w", err)
		}
	}
	return errors.Join(serveErr, shutdownErr)
}

// drain turns the readiness unready and goes on serving for the drain
// delay, or until a listener fails; it returns how many have, their errors
// being of no interest once shutdown has begun.
func (s *Server) drain(errc <-chan error) (failed int) {
	if s.cfg.Readiness != nil {
		s.cfg.Readiness.Drain()
	}
	if s.cfg.DrainDelay <= 0 {
		return 0
	}
	s.logger.Info("draining: unready, still serving", "delay", s.cfg.DrainDelay)
	timer := time.NewTimer(s.cfg.DrainDelay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return 0
	case err := <-errc:
		s.logger.Warn("draining cut short: a listener failed", "err", err)
		return 1
	}
}

// shutdown drains both servers within the shutdown timeout and closes the
// connections still open after it.
func (s *Server) shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ShutdownTimeout)
	defer cancel()
	servers := []*http.Server{s.main}
	if s.redirect != nil {
		servers = append(servers, s.redirect)
	}
	var timedOut bool
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil {
			timedOut = true
			srv.Close()
		}
	}
	if timedOut {
		return fmt.Errorf("server: shutdown: requests still running after %v were cut off", s.cfg.ShutdownTimeout)
	}
	return nil
}

// Ready is closed once the Server has its listeners, after which Addr and
// RedirectAddr report them.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addr returns the address the main listener is bound to, or nil before
// serving.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// RedirectAddr returns the address of the HTTP redirect listener, or nil
// when there is none.
func (s *Server) RedirectAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.redirectAddr
}

// redirectToHTTPS sends a plain-HTTP request to the same host and path over
// HTTPS. GET and HEAD get 301, which browsers cache; other methods get 308,
// which keeps the method and body.
func (s *Server) redirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if !validRedirectHost(host) {
		http.Error(w, "400 bad request: missing or malformed Host", http.StatusBadRequest)
		return
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if s.httpsPort != "" {
		host += ":" + s.httpsPort
	}
	code := http.StatusPermanentRedirect
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		code = http.StatusMovedPermanently
	}
	http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), code)
}

// validRedirectHost accepts a DNS name or an IP address, so that a crafted
// Host header cannot turn the redirect into a link elsewhere.
func validRedirectHost(host string) bool {
	if host == "" || len(host) > 253 {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	for _, c := range host {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// errorLogWriter carries net/http's own error log into slog. Those lines
// name the peer ("TLS handshake error from 203.0.113.9:51234"), so addresses
// are masked first. Handshake errors, mostly scanners and clients with old
// TLS, go to the debug level.
type errorLogWriter struct {
	logger *slog.Logger
}

func (w errorLogWriter) Write(p []byte) (int, error) {
	msg := maskAddrsIn(strings.TrimSpace(string(p)))
	level := slog.LevelWarn
	if strings.Contains(msg, "TLS handshake error") {
		level = slog.LevelDebug
	}
	w.logger.Log(context.Background(), level, msg, "source", "net/http")
	return len(p), nil
}

// maskAddrsIn replaces every IP address, with or without a port, in a
// space-separated message by its MaskAddr network.
func maskAddrsIn(msg string) string {
	words := strings.Split(msg, " ")
	for i, word := range words {
		core := strings.TrimRight(word, ":,;)")
		suffix := word[len(core):]
		trimmed := strings.TrimLeft(core, "(")
		prefix := core[:len(core)-len(trimmed)]
		if addr, ok := parseHop(trimmed); ok {
			words[i] = prefix + MaskAddr(addr) + suffix
		}
	}
	return strings.Join(words, " ")
}

// ShutdownContext returns a context that is cancelled on SIGINT or SIGTERM,
// for passing to Run. stop releases the signal handlers; calling it once the
// context is done lets a second signal kill a process stuck in shutdown.
func ShutdownContext(ctx context.Context) (_ context.Context, stop context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}
