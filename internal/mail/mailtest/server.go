// Package mailtest runs an SMTP server on loopback for tests, built on
// github.com/emersion/go-smtp, and records every message it accepts. The
// server can speak in the clear, offer STARTTLS or speak TLS from the first
// byte with a certificate made for the test, and it can be told to refuse
// or to fall silent at a chosen step of the conversation.
package mailtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/noren-web/noren/internal/mail"
)

// Limits that keep a misbehaving client from exhausting a test's memory.
const (
	maxRecipients = 100
	maxDataBytes  = 10 << 20
)

// Step is a point in the SMTP conversation at which FailAt and SilentAt
// take effect.
type Step string

// Steps of the conversation, in the order a client meets them.
const (
	// Greeting is the server's first reply, after the TLS handshake when
	// the server speaks TLS from the first byte.
	Greeting Step = "greeting"
	// Hello is the reply to EHLO or HELO.
	Hello Step = "EHLO"
	// MailFrom is the reply to MAIL FROM.
	MailFrom Step = "MAIL"
	// RcptTo is the reply to each RCPT TO.
	RcptTo Step = "RCPT"
	// Data is the reply after the whole message has been sent.
	Data Step = "DATA"
)

// Option changes how the server started by Start behaves.
type Option func(*Server) error

// StartTLS makes the server offer STARTTLS, with a certificate that only
// RootCAs trusts.
func StartTLS() Option {
	return func(s *Server) error { return s.useTLS(mail.TLSStartTLS) }
}

// ImplicitTLS makes the server speak TLS from the first byte, with a
// certificate that only RootCAs trusts.
func ImplicitTLS() Option {
	return func(s *Server) error { return s.useTLS(mail.TLSImplicit) }
}

// FailAt makes the server answer step with reply, such as
// "550 5.1.1 User unknown", instead of going on. The reply needs a 4xx or
// 5xx code; without an enhanced status code the server adds one.
func FailAt(step Step, reply string) Option {
	return func(s *Server) error {
		e, err := parseReply(reply)
		if err != nil {
			return fmt.Errorf("fail at %s: %w", step, err)
		}
		s.failures[step] = e
		return nil
	}
}

// SilentAt makes the server stop answering at step, keeping the connection
// open until the client gives up or the server is closed.
func SilentAt(step Step) Option {
	return func(s *Server) error {
		s.silent[step] = true
		return nil
	}
}

// HangUpAfterData makes the server close the connection once it has
// accepted a message, so that the client's next command (RSET or QUIT)
// fails: a connection lost after the message was delivered.
func HangUpAfterData() Option {
	return func(s *Server) error {
		s.hangUp = true
		return nil
	}
}

// At makes the server listen on addr, a loopback host:port, instead of a
// random port: a test stops a server and starts another at its address to
// play a mail server that goes away and comes back.
func At(addr string) Option {
	return func(s *Server) error {
		s.addr = addr
		return nil
	}
}

// Server is an SMTP server on 127.0.0.1 that keeps what it receives.
type Server struct {
	smtp     *smtp.Server
	addr     string // where to listen; a random port when ""
	hangUp   bool   // close the connection after accepting a message
	ln       net.Listener
	tlsMode  string
	roots    *x509.CertPool
	failures map[Step]*smtp.SMTPError
	silent   map[Step]bool

	stalled   chan struct{} // closed when the server first falls silent
	stallOnce sync.Once
	done      chan struct{} // closed by Close; releases silent handlers
	closeOnce sync.Once
	served    chan struct{} // closed when smtp.Serve has returned

	mu       sync.Mutex
	conns    []net.Conn
	messages []Message
	arrived  chan struct{} // closed and replaced whenever a message is stored
}

// Start starts a server on a random loopback port; tb.Cleanup closes it.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		tlsMode:  mail.TLSNone,
		failures: make(map[Step]*smtp.SMTPError),
		silent:   make(map[Step]bool),
		stalled:  make(chan struct{}),
		done:     make(chan struct{}),
		served:   make(chan struct{}),
		arrived:  make(chan struct{}),
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mailtest"
	srv.MaxRecipients = maxRecipients
	srv.MaxMessageBytes = maxDataBytes
	srv.EnableSMTPUTF8 = true
	// The server is on loopback and accepts any credentials: AUTH is there
	// so that tests can see which user name a client sent.
	srv.AllowInsecureAuth = true
	srv.ErrorLog = testLogger{tb}
	s.smtp = srv
	for _, opt := range opts {
		if err := opt(s); err != nil {
			tb.Fatalf("mailtest: %v", err)
		}
	}

	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatalf("mailtest: listen: %v", err)
	}
	s.ln = ln
	if s.tlsMode == mail.TLSImplicit {
		s.ln = tls.NewListener(ln, srv.TLSConfig)
	}
	go func() {
		defer close(s.served)
		srv.Serve(listener{s.ln, s})
	}()
	tb.Cleanup(s.Close)
	return s
}

// Config returns a mail.Config that sends to this server, without
// credentials, in the server's TLS mode. With TLS the client must also
// trust RootCAs.
func (s *Server) Config() mail.Config {
	addr := s.ln.Addr().(*net.TCPAddr)
	return mail.Config{
		Host:    addr.IP.String(),
		Port:    addr.Port,
		From:    "noren@example.com",
		TLS:     s.tlsMode,
		Timeout: time.Minute,
	}
}

// Addr returns the server's "host:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// RootCAs returns a pool that holds only the certificate the server
// presents, or nil when it speaks in the clear.
func (s *Server) RootCAs() *x509.CertPool { return s.roots }

// Stalled returns a channel that is closed once the server has fallen
// silent as SilentAt asked.
func (s *Server) Stalled() <-chan struct{} { return s.stalled }

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait returns the received messages once there are at least n, failing
// the test if that takes longer than timeout.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if len(s.messages) >= n {
			msgs := append([]Message(nil), s.messages...)
			s.mu.Unlock()
			return msgs
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-timer.C:
			tb.Fatalf("mailtest: %d of %d messages arrived within %s", len(s.Messages()), n, timeout)
		}
	}
}

// Close stops the server, drops open connections and waits for their
// goroutines to end. It may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(s.close)
}

func (s *Server) close() {
	close(s.done)
	// The listener goes first and Serve must have returned before the
	// connections are dropped, so that no connection is accepted after.
	s.ln.Close()
	<-s.served
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	// Shutdown only waits here: the listener and connections are closed.
	s.smtp.Shutdown(context.Background())
}

func (s *Server) store(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// errClosing answers a command whose handler was held until Close.
var errClosing = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailtest is closing"}

// script applies FailAt and SilentAt to step: it returns the scripted
// refusal, or holds the caller until Close when the step is silent.
func (s *Server) script(step Step) error {
	if s.silent[step] {
		s.stall()
		<-s.done
		return errClosing
	}
	if e := s.failures[step]; e != nil {
		return e
	}
	return nil
}

func (s *Server) stall() {
	s.stallOnce.Do(func() { close(s.stalled) })
}

// listener hands accepted connections to go-smtp, keeping each so that
// Close can drop it, and plays the scripted greeting, which go-smtp sends
// before consulting the backend.
type listener struct {
	net.Listener
	s *Server
}

func (l listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.s.mu.Lock()
		l.s.conns = append(l.s.conns, c)
		l.s.mu.Unlock()
		if l.s.silent[Greeting] {
			// Held open without a word; Close drops it.
			l.s.stall()
			continue
		}
		if e := l.s.failures[Greeting]; e != nil {
			fmt.Fprintf(c, "%d %d.%d.%d %s\r\n", e.Code, e.EnhancedCode[0], e.EnhancedCode[1], e.EnhancedCode[2], e.Message)
			c.Close()
			continue
		}
		return c, nil
	}
}

// backend starts a session for each client that says EHLO or HELO.
type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	if err := b.s.script(Hello); err != nil {
		return nil, err
	}
	_, overTLS := c.TLSConnectionState()
	return &session{s: b.s, conn: c, tls: overTLS}, nil
}

// session is the state of one SMTP conversation after EHLO; go-smtp
// starts a new one after STARTTLS.
type session struct {
	s        *Server
	conn     *smtp.Conn
	tls      bool
	stored   bool // a message was accepted in this session
	authUser string
	from     string
	to       []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

// Auth accepts AUTH PLAIN with any credentials and remembers the user
// name, so that tests can see that credentials were sent.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, _ string) error {
		if username == "" {
			return errors.New("empty user name")
		}
		ss.authUser = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if err := ss.s.script(MailFrom); err != nil {
		return err
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.s.script(RcptTo); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

// Data reads the message, parses it and stores it.
func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.s.script(Data); err != nil {
		return err
	}
	m, err := parseMessage(raw)
	if err != nil {
		return &smtp.SMTPError{
			Code:         554,
			EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message:      "mailtest cannot parse the message: " + strings.ReplaceAll(err.Error(), "\n", " "),
		}
	}
	m.From, m.To, m.AuthUser, m.TLS = ss.from, ss.to, ss.authUser, ss.tls
	ss.s.store(m)
	ss.stored = true
	return nil
}

// Reset is called after the reply to DATA has been written, which is when
// HangUpAfterData closes the connection.
func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
	if ss.s.hangUp && ss.stored {
		// The network connection, not the smtp.Conn: go-smtp holds the
		// latter's lock while it resets the session.
		ss.conn.Conn().Close()
	}
}

func (ss *session) Logout() error { return nil }

// parseReply reads a reply such as "550 5.1.1 User unknown".
func parseReply(reply string) (*smtp.SMTPError, error) {
	codeText, text, _ := strings.Cut(reply, " ")
	code, err := strconv.Atoi(codeText)
	if err != nil || code < 400 || code > 599 {
		return nil, fmt.Errorf("reply %q does not start with a 4xx or 5xx code", reply)
	}
	e := &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: text}
	enhanced, rest, _ := strings.Cut(text, " ")
	var ec smtp.EnhancedCode
	if n, _ := fmt.Sscanf(enhanced, "%d.%d.%d", &ec[0], &ec[1], &ec[2]); n == 3 && ec[0] == code/100 {
		e.EnhancedCode, e.Message = ec, rest
	}
	return e, nil
}

// testLogger passes go-smtp's complaints, such as a client that broke off
// the TLS handshake, to the test log.
type testLogger struct{ tb testing.TB }

func (l testLogger) Printf(format string, v ...any) { l.tb.Logf("mailtest: "+format, v...) }
func (l testLogger) Println(v ...any)               { l.tb.Log(append([]any{"mailtest:"}, v...)...) }
