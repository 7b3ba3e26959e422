package mailtest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// dialServer opens a raw SMTP conversation with s and reads its greeting.
func dialServer(t *testing.T, s *Server) *textproto.Conn {
	t.Helper()
	c, err := textproto.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, _, err := c.ReadResponse(220); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	return c
}

// say sends one line and checks the reply's code.
func say(t *testing.T, c *textproto.Conn, line string, code int) string {
	t.Helper()
	if err := c.PrintfLine("%s", line); err != nil {
		t.Fatal(err)
	}
	_, msg, err := c.ReadResponse(code)
	if err != nil {
		t.Fatalf("%s: got %v (%s), want %d", line, err, msg, code)
	}
	return msg
}

func TestServerConversation(t *testing.T) {
	s := Start(t)
	c := dialServer(t, s)
	say(t, c, "EHLO client.example", 250)
	say(t, c, "AUTH PLAIN AHVzZXIAc2VjcmV0", 235)
	say(t, c, "MAIL FROM:<a@example.com> BODY=8BITMIME SMTPUTF8", 250)
	say(t, c, "RCPT TO:<b@example.org>", 250)
	say(t, c, "RCPT TO:<c@example.org>", 250)
	say(t, c, "DATA", 354)
	body := "Subject: =?UTF-8?b?44GT44KT44Gr44Gh44Gv?=\r\n\r\n..leading dot\r\n.\r\n..\r\nlast\r\n"
	stuffed := "Subject: =?UTF-8?b?44GT44KT44Gr44Gh44Gv?=\r\n\r\n...leading dot\r\n..\r\n...\r\nlast\r\n."
	say(t, c, stuffed, 250)
	say(t, c, "QUIT", 221)

	got := s.Wait(t, 1, 10*time.Second)[0]
	if got.Raw != body {
		t.Errorf("raw = %q, want %q", got.Raw, body)
	}
	if got.Subject != "こんにちは" || got.Text != "..leading dot\n.\n..\nlast\n" {
		t.Errorf("subject %q text %q", got.Subject, got.Text)
	}
	if got.From != "a@example.com" || strings.Join(got.To, " ") != "b@example.org c@example.org" || got.AuthUser != "user" || got.TLS {
		t.Errorf("envelope %q -> %q, auth %q, tls %v", got.From, got.To, got.AuthUser, got.TLS)
	}
}

func TestServerRefusesUnparsableMessage(t *testing.T) {
	s := Start(t)
	c := dialServer(t, s)
	say(t, c, "EHLO x", 250)
	say(t, c, "MAIL FROM:<a@example.com>", 250)
	say(t, c, "RCPT TO:<b@example.org>", 250)
	say(t, c, "DATA", 354)
	say(t, c, "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n.", 554)
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages stored", n)
	}
}

// conversation is a complete exchange, one line per step of the script.
var conversation = []struct {
	step Step
	send string // "" for the greeting
	code int
}{
	{Greeting, "", 220},
	{Hello, "EHLO client.example", 250},
	{MailFrom, "MAIL FROM:<a@example.com>", 250},
	{RcptTo, "RCPT TO:<b@example.org>", 250},
	{"", "DATA", 354},
	{Data, "Subject: s\r\n\r\nt\r\n.", 250},
}

func TestServerFailAt(t *testing.T) {
	for _, tt := range conversation {
		if tt.step == "" {
			continue
		}
		t.Run(string(tt.step), func(t *testing.T) {
			s := Start(t, FailAt(tt.step, "554 5.7.1 refused at "+string(tt.step)))
			c, err := textproto.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for _, st := range conversation {
				if st.send != "" {
					if err := c.PrintfLine("%s", st.send); err != nil {
						t.Fatal(err)
					}
				}
				code, msg, err := c.ReadResponse(0)
				if err != nil && st.step != tt.step {
					t.Fatalf("%s: %v", st.send, err)
				}
				if st.step == tt.step {
					if want := "5.7.1 refused at " + string(tt.step); code != 554 || msg != want {
						t.Fatalf("reply %d %q, want 554 %q", code, msg, want)
					}
					break
				}
			}
			if n := len(s.Messages()); n != 0 {
				t.Errorf("%d messages stored", n)
			}
		})
	}
}

func TestServerSilentAt(t *testing.T) {
	for _, tt := range conversation {
		if tt.step == "" {
			continue
		}
		t.Run(string(tt.step), func(t *testing.T) {
			s := Start(t, SilentAt(tt.step))
			conn, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			c := textproto.NewConn(conn)
			for _, st := range conversation {
				if st.send != "" {
					if err := c.PrintfLine("%s", st.send); err != nil {
						t.Fatal(err)
					}
				}
				if st.step == tt.step {
					break
				}
				if _, _, err := c.ReadResponse(st.code); err != nil {
					t.Fatalf("%s: %v", st.send, err)
				}
			}
			select {
			case <-s.Stalled():
			case <-time.After(10 * time.Second):
				t.Fatal("server did not fall silent")
			}
			conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if line, err := c.ReadLine(); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("server said %q (%v), want silence", line, err)
			}
		})
	}
}

func TestServerTLS(t *testing.T) {
	tests := []struct {
		name   string
		option Option
		dial   func(addr string, cfg *tls.Config) (*smtp.Client, error)
	}{
		{"starttls", StartTLS(), smtp.DialStartTLS},
		{"implicit", ImplicitTLS(), smtp.DialTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t, tt.option)
			c, err := tt.dial(s.Addr(), &tls.Config{RootCAs: s.RootCAs(), ServerName: "localhost"})
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer c.Close()
			if err := c.Auth(sasl.NewPlainClient("", "relay-user", "secret")); err != nil {
				t.Fatalf("auth: %v", err)
			}
			if err := c.SendMail("a@example.com", []string{"b@example.org"}, strings.NewReader("Subject: s\r\n\r\nt\r\n")); err != nil {
				t.Fatalf("send: %v", err)
			}
			c.Quit()
			got := s.Wait(t, 1, 10*time.Second)[0]
			if !got.TLS || got.AuthUser != "relay-user" || got.Text != "t\n" {
				t.Errorf("message tls %v, auth %q, text %q", got.TLS, got.AuthUser, got.Text)
			}
		})
	}
}

func TestParseReply(t *testing.T) {
	tests := []struct {
		reply, want string
		ok          bool
	}{
		{"550 5.1.1 <a@example.org>: User unknown", "550 5.1.1 <a@example.org>: User unknown", true},
		{"451 greylisted", "451 4.0.0 greylisted", true},
		{"554 4.7.1 class does not match", "554 5.0.0 4.7.1 class does not match", true},
		{"250 OK", "", false},
		{"five hundred", "", false},
	}
	for _, tt := range tests {
		e, err := parseReply(tt.reply)
		if (err == nil) != tt.ok {
			t.Errorf("parseReply(%q) error %v, want ok %v", tt.reply, err, tt.ok)
			continue
		}
		if err != nil {
			continue
		}
		got := fmt.Sprintf("%d %d.%d.%d %s", e.Code, e.EnhancedCode[0], e.EnhancedCode[1], e.EnhancedCode[2], e.Message)
		if got != tt.want {
			t.Errorf("parseReply(%q) = %q, want %q", tt.reply, got, tt.want)
		}
	}
}

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name, raw     string
		subject, text string
		wantErr       string
	}{
		{
			name:    "quoted-printable",
			raw:     "Subject: =?UTF-8?q?caf=C3=A9?= and more\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db soft=\r\n break\r\n=E6=97=A5\r\n",
			subject: "café and more", text: "a=b soft break\n日\n",
		},
		{
			name:    "base64 over lines",
			raw:     "Subject:\r\n =?UTF-8?b?5pel5pys?=\r\n =?UTF-8?b?6Kqe?=\r\nContent-Transfer-Encoding: BASE64\r\n\r\n5pel5pys\r\n6Kqe\r\n",
			subject: "日本語", text: "日本語",
		},
		{
			name:    "no transfer encoding",
			raw:     "Subject: plain\r\n\r\nline one\r\nline two\r\n",
			subject: "plain", text: "line one\nline two\n",
		},
		{name: "multipart", raw: "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b--\r\n", wantErr: "not text/plain"},
		{name: "other charset", raw: "Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\nx\r\n", wantErr: "not UTF-8"},
		{name: "unknown encoding", raw: "Content-Transfer-Encoding: x-uuencode\r\n\r\nx\r\n", wantErr: "content-transfer-encoding"},
		{name: "broken base64", raw: "Content-Transfer-Encoding: base64\r\n\r\n***\r\n", wantErr: "decode body"},
		{name: "no header end", raw: "Subject x", wantErr: "read header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := parseMessage([]byte(tt.raw))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseMessage = %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject || m.Text != tt.text || m.Raw != tt.raw {
				t.Errorf("parseMessage = subject %q text %q", m.Subject, m.Text)
			}
		})
	}
}

// FuzzParseMessage checks that any DATA content either parses or is
// refused, without panicking, and that decoding never grows the text:
// every transfer encoding Noren uses is longer than what it encodes.
func FuzzParseMessage(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parseMessage(raw)
		if err != nil {
			return
		}
		if len(m.Text) > len(raw) {
			t.Fatalf("text of %d bytes decoded from %d bytes", len(m.Text), len(raw))
		}
		if m.Raw != string(raw) {
			t.Fatalf("raw %q, want %q", m.Raw, raw)
		}
	})
}
