// Package mailtest runs a real SMTP server on loopback for tests: enough
// of RFC 5321 for go-mail's traffic, recording every message it accepts.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/mail"
)

// Limits that keep a misbehaving client from exhausting a test's memory.
const (
	maxRecipients = 100
	maxDataBytes  = 10 << 20
)

// Server is an SMTP server on 127.0.0.1 that keeps what it receives.
type Server struct {
	ln net.Listener
	wg sync.WaitGroup

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	messages []Message
	arrived  chan struct{} // closed and replaced whenever a message is stored
	closed   bool
}

// Start starts a server on a random loopback port; tb.Cleanup closes it.
func Start(tb testing.TB) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("mailtest: listen: %v", err)
	}
	s := &Server{ln: ln, conns: make(map[net.Conn]struct{}), arrived: make(chan struct{})}
	s.wg.Add(1)
	go s.serve()
	tb.Cleanup(s.Close)
	return s
}

// Config returns a mail.Config that sends to this server in the clear and
// without credentials.
func (s *Server) Config() mail.Config {
	addr := s.ln.Addr().(*net.TCPAddr)
	return mail.Config{
		Host:    addr.IP.String(),
		Port:    addr.Port,
		From:    "noren@example.com",
		TLS:     mail.TLSNone,
		Timeout: time.Minute,
	}
}

// Addr returns the server's "host:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

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
// goroutines to end.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.converse(textproto.NewConn(c))
		}()
	}
}

func (s *Server) store(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// session is the state of one SMTP conversation.
type session struct {
	greeted  bool
	authUser string
	from     *string // nil until MAIL FROM
	to       []string
}

func (ss *session) reset() {
	ss.from = nil
	ss.to = nil
}

// converse runs one SMTP conversation until QUIT or a broken connection.
func (s *Server) converse(c *textproto.Conn) {
	var ss session
	if c.PrintfLine("220 mailtest ESMTP ready") != nil {
		return
	}
	for {
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		var reply string
		switch strings.ToUpper(verb) {
		case "EHLO":
			ss.reset()
			ss.greeted = true
			err = c.PrintfLine("250-mailtest greets %s\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 AUTH PLAIN", arg)
			if err != nil {
				return
			}
			continue
		case "HELO":
			ss.reset()
			ss.greeted = true
			reply = "250 mailtest"
		case "AUTH":
			reply = ss.auth(c, arg)
		case "MAIL":
			reply = ss.mail(arg)
		case "RCPT":
			reply = ss.rcpt(arg)
		case "DATA":
			reply = s.data(c, &ss)
		case "RSET":
			ss.reset()
			reply = "250 OK"
		case "NOOP":
			reply = "250 OK"
		case "QUIT":
			c.PrintfLine("221 bye")
			return
		default:
			reply = "502 command not implemented"
		}
		if reply == "" || c.PrintfLine("%s", reply) != nil {
			return
		}
	}
}

// auth accepts AUTH PLAIN with any well-formed credentials and remembers
// the user name, so that tests can see that credentials were sent.
func (ss *session) auth(c *textproto.Conn, arg string) string {
	mech, initial, hasInitial := strings.Cut(arg, " ")
	if !strings.EqualFold(mech, "PLAIN") {
		return "504 only PLAIN is supported"
	}
	if !hasInitial {
		if c.PrintfLine("334 ") != nil {
			return ""
		}
		line, err := c.ReadLine()
		if err != nil {
			return ""
		}
		initial = line
	}
	raw, err := base64.StdEncoding.DecodeString(initial)
	if err != nil {
		return "501 malformed AUTH PLAIN response"
	}
	parts := bytes.Split(raw, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 {
		return "501 malformed AUTH PLAIN response"
	}
	ss.authUser = string(parts[1])
	return "235 authenticated"
}

func (ss *session) mail(arg string) string {
	if !ss.greeted {
		return "503 say EHLO first"
	}
	if ss.from != nil {
		return "503 MAIL already given"
	}
	addr, err := parsePath(arg, "FROM:")
	if err != nil {
		return "501 " + err.Error()
	}
	ss.from = &addr
	return "250 OK"
}

func (ss *session) rcpt(arg string) string {
	if ss.from == nil {
		return "503 MAIL first"
	}
	if len(ss.to) >= maxRecipients {
		return "452 too many recipients"
	}
	addr, err := parsePath(arg, "TO:")
	if err != nil {
		return "501 " + err.Error()
	}
	if addr == "" {
		return "501 empty recipient"
	}
	ss.to = append(ss.to, addr)
	return "250 OK"
}

// data reads the message after DATA, parses it and stores it.
func (s *Server) data(c *textproto.Conn, ss *session) string {
	if ss.from == nil || len(ss.to) == 0 {
		return "503 MAIL and RCPT first"
	}
	if c.PrintfLine("354 end with <CRLF>.<CRLF>") != nil {
		return ""
	}
	raw, err := readData(&c.Reader)
	if errors.Is(err, errTooLarge) {
		ss.reset()
		return "552 message too large"
	}
	if err != nil {
		return ""
	}
	m, err := parseMessage(raw)
	from, to, user := *ss.from, ss.to, ss.authUser
	ss.reset()
	if err != nil {
		return "554 mailtest cannot parse the message: " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
	m.From, m.To, m.AuthUser = from, to, user
	s.store(m)
	return "250 OK queued"
}

var errTooLarge = errors.New("message too large")

// readData reads lines up to the lone "." that ends DATA, undoing dot
// stuffing and keeping CRLF line ends, so that Raw is the message as sent.
// After errTooLarge it has still consumed the whole message.
func readData(r *textproto.Reader) ([]byte, error) {
	var buf bytes.Buffer
	tooLarge := false
	for {
		line, err := r.ReadLine()
		if err != nil {
			return nil, err
		}
		if line == "." {
			break
		}
		line = strings.TrimPrefix(line, ".")
		if buf.Len()+len(line)+2 > maxDataBytes {
			tooLarge = true
			continue
		}
		buf.WriteString(line)
		buf.WriteString("\r\n")
	}
	if tooLarge {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

// parsePath reads the address from a MAIL or RCPT argument such as
// "FROM:<a@example.com> BODY=8BITMIME"; parameters after it are ignored.
func parsePath(arg, prefix string) (string, error) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", fmt.Errorf("expected %s<address>", prefix)
	}
	rest := strings.TrimLeft(arg[len(prefix):], " ")
	if !strings.HasPrefix(rest, "<") {
		return "", errors.New("address must be in angle brackets")
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", errors.New("missing '>'")
	}
	addr := rest[1:end]
	if strings.ContainsAny(addr, "<> \t") {
		return "", errors.New("malformed address")
	}
	if params := rest[end+1:]; params != "" && params[0] != ' ' {
		return "", errors.New("malformed parameters")
	}
	return addr, nil
}
