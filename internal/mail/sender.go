package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"
)

// Limits on one message; they keep a mistaken caller from turning a
// notification into a mass mailing or a multi-megabyte body.
const (
	maxRecipients   = 100
	maxSubjectBytes = 1000
	maxTextBytes    = 1 << 20
)

// Message is one plain-text e-mail.
type Message struct {
	// To lists the recipients as plain addresses; there must be at least
	// one. Every recipient sees the whole list in the To header, so people
	// who do not know each other get a Send each.
	To []string
	// Subject is a single line.
	Subject string
	// Text is the body; lines end in "\n" or "\r\n".
	Text string
	// ReplyTo, when set, is the plain address replies should go to instead
	// of Config.From.
	ReplyTo string
}

// Sender sends messages through one SMTP server. It is safe for concurrent
// use: each Send opens and closes its own connection.
type Sender struct {
	cfg       Config
	from      *mail.Address
	domain    string
	tlsConfig *tls.Config
}

// NewSender checks cfg and returns a Sender for it. It does not connect.
func NewSender(cfg Config) (*Sender, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	from, err := parsePlainAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail: config: from: %w", err)
	}
	return &Sender{
		cfg:       cfg,
		from:      from,
		domain:    from.Address[strings.LastIndexByte(from.Address, '@')+1:],
		tlsConfig: &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12},
	}, nil
}

// Send delivers m, giving up when ctx is done or Config.Timeout has passed.
// Its errors name the number of recipients and the SMTP step that failed,
// never an address or any of the text; a refusal by the server is a
// *DeliveryError.
func (s *Sender) Send(ctx context.Context, m Message) error {
	what := "mail: send to " + CountRecipients(len(m.To))
	msg, err := s.compose(m)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.deliver(ctx, msg); err != nil {
		if ctxErr := contextError(ctx); ctxErr != nil {
			// go-mail's own error ("use of closed network connection",
			// "i/o timeout") would hide the reason.
			return fmt.Errorf("%s via %s: %w", what, s.serverAddr(), ctxErr)
		}
		return fmt.Errorf("%s via %s: %w", what, s.serverAddr(), err)
	}
	return nil
}

// contextError is ctx.Err(), or context.DeadlineExceeded once the deadline
// has passed even if ctx has not noticed yet: go-mail's connection
// deadlines are never earlier than ctx's, and one of them firing first
// still means the time ran out.
func contextError(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// Check reports why m could not be sent, as Send would, without sending
// it; nil means it can be. Like Send's, its errors hold no address or text.
func Check(m Message) error {
	_, _, _, err := m.check()
	return err
}

// check validates m and returns its parsed recipients, reply-to address
// and normalised text.
func (m Message) check() (to []*mail.Address, replyTo *mail.Address, text string, err error) {
	if len(m.To) == 0 {
		return nil, nil, "", errors.New("no recipients")
	}
	if len(m.To) > maxRecipients {
		return nil, nil, "", fmt.Errorf("%d recipients, more than %d", len(m.To), maxRecipients)
	}
	to = make([]*mail.Address, len(m.To))
	for i, addr := range m.To {
		a, err := parsePlainAddress(addr)
		if err != nil {
			return nil, nil, "", fmt.Errorf("recipient %d: %w", i+1, err)
		}
		to[i] = a
	}
	if m.ReplyTo != "" {
		if replyTo, err = parsePlainAddress(m.ReplyTo); err != nil {
			return nil, nil, "", fmt.Errorf("reply-to: %w", err)
		}
	}
	if err := checkSubject(m.Subject); err != nil {
		return nil, nil, "", fmt.Errorf("subject: %w", err)
	}
	if text, err = normalizeText(m.Text); err != nil {
		return nil, nil, "", fmt.Errorf("text: %w", err)
	}
	return to, replyTo, text, nil
}

// compose checks m and builds the go-mail message for it.
func (s *Sender) compose(m Message) (*gomail.Msg, error) {
	to, replyTo, text, err := m.check()
	if err != nil {
		return nil, err
	}

	msg := gomail.NewMsg(
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(bodyEncoding(text)),
		gomail.WithNoDefaultUserAgent(),
	)
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(to...)
	if replyTo != nil {
		msg.ReplyToMailAddress(replyTo)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(strings.ToLower(rand.Text()) + "@" + s.domain)
	msg.SetBodyString(gomail.TypeTextPlain, text)
	return msg, nil
}

// deliver connects, sends msg and disconnects.
func (s *Sender) deliver(ctx context.Context, msg *gomail.Msg) error {
	var conn net.Conn
	var stop func() bool
	defer func() {
		if conn != nil {
			stop()
			conn.Close()
		}
	}()
	dial := func(dialCtx context.Context, network, address string) (net.Conn, error) {
		c, err := s.dial(dialCtx, network, address)
		if err != nil {
			return nil, err
		}
		// go-mail consults the context only while dialing; closing the
		// connection is what interrupts a server that stops answering
		// later, in the greeting, in DATA or anywhere between.
		conn, stop = c, context.AfterFunc(ctx, func() { c.Close() })
		return c, nil
	}

	policy := gomail.NoTLS
	if s.cfg.TLS == TLSStartTLS {
		policy = gomail.TLSMandatory
	}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(s.tlsConfig),
	}
	if s.cfg.Username != "" {
		opts = append(opts,
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
		)
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("set up client: %w", err)
	}
	// Nothing personal has been said before MAIL FROM, so errors up to and
	// including AUTH are passed on as they are.
	smtpClient, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// A failed RSET or QUIT after the server accepted the message is not
	// reported: the message is on its way, and an error would invite a
	// duplicate.
	if err := client.SendWithSMTPClient(smtpClient, msg); err != nil && !msg.IsDelivered() {
		return newDeliveryError(err)
	}
	_ = client.CloseWithSMTPClient(smtpClient)
	return nil
}

// dial opens the TCP connection, speaking TLS from the start in TLSImplicit
// mode. go-mail does that itself only when it dials, and it must not dial
// here or the connection could not be closed when ctx ends.
func (s *Sender) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if s.cfg.TLS == TLSImplicit {
		d := tls.Dialer{Config: s.tlsConfig}
		return d.DialContext(ctx, network, address)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

func (s *Sender) serverAddr() string {
	return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
}

// DeliveryError reports that the SMTP server refused a message or the
// conversation broke off after the sender was announced. It keeps the
// server's reply code but not its reply text, which often repeats the
// refused address.
type DeliveryError struct {
	// Step is the SMTP step that failed, such as "sending SMTP RCPT TO command".
	Step string
	// Code is the SMTP reply code, or 0 when the server gave none.
	Code int
	// EnhancedCode is the RFC 3463 status code, such as "5.1.1", when the
	// server sent one.
	EnhancedCode string
	// Temporary is true for 4xx replies: the same message may be sent again later.
	Temporary bool
}

// Error describes the failure without addresses or message text.
func (e *DeliveryError) Error() string {
	var b strings.Builder
	b.WriteString(e.Step)
	b.WriteString(" failed")
	if e.Code != 0 {
		fmt.Fprintf(&b, ": reply %d", e.Code)
		if e.EnhancedCode != "" {
			fmt.Fprintf(&b, " (%s)", e.EnhancedCode)
		}
		if e.Temporary {
			b.WriteString(", temporary")
		} else {
			b.WriteString(", permanent")
		}
	}
	return b.String()
}

// newDeliveryError keeps the safe parts of a go-mail send error.
func newDeliveryError(err error) *DeliveryError {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return &DeliveryError{Step: "sending message"}
	}
	return &DeliveryError{
		Step:         se.Reason.String(),
		Code:         se.ErrorCode(),
		EnhancedCode: se.EnhancedStatusCode(),
		Temporary:    se.IsTemp(),
	}
}

// checkSubject accepts one line of valid UTF-8. go-mail would encode a line
// break rather than let it through, but a subject with one is a caller's
// mistake (or an attack) that should not go out silently.
func checkSubject(s string) error {
	switch {
	case s == "":
		return errors.New("is empty")
	case len(s) > maxSubjectBytes:
		return fmt.Errorf("is longer than %d bytes", maxSubjectBytes)
	case !utf8.ValidString(s):
		return errors.New("is not valid UTF-8")
	case strings.ContainsFunc(s, isControl):
		return errors.New("contains a line break or another control character")
	}
	return nil
}

// normalizeText returns the body with "\n" line ends, refusing control
// characters other than tab and line ends.
func normalizeText(s string) (string, error) {
	if len(s) > maxTextBytes {
		return "", fmt.Errorf("is longer than %d bytes", maxTextBytes)
	}
	if !utf8.ValidString(s) {
		return "", errors.New("is not valid UTF-8")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) {
		return "", errors.New("contains control characters")
	}
	return s, nil
}

// bodyEncoding picks the shorter transfer encoding: quoted-printable
// triples every non-ASCII byte while base64 adds a third to every byte, so
// quoted-printable wins while less than a sixth of the bytes are non-ASCII.
// Japanese text is almost all non-ASCII and goes as base64.
func bodyEncoding(text string) gomail.Encoding {
	nonASCII := 0
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			nonASCII++
		}
	}
	if nonASCII*6 > len(text) {
		return gomail.EncodingB64
	}
	return gomail.EncodingQP
}

// CountRecipients says how many recipients a message has ("1 recipient",
// "3 recipients"): what errors about a message may tell of them.
func CountRecipients(n int) string {
	if n == 1 {
		return "1 recipient"
	}
	return strconv.Itoa(n) + " recipients"
}
