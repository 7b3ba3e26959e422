package mailtest

import (
	"net/textproto"
	"strings"
	"testing"
	"time"
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

func TestServerConversation(t *testing.T) {
	s := Start(t)
	c := dialServer(t, s)
	steps := []struct {
		send string
		code int
	}{
		{"NOOP", 250},
		{"MAIL FROM:<a@example.com>", 503},
		{"HELO client.example", 250},
		{"RCPT TO:<b@example.org>", 503},
		{"MAIL FROM:a@example.com", 501},
		{"MAIL FROM:<a@example.com> BODY=8BITMIME SMTPUTF8", 250},
		{"MAIL FROM:<other@example.com>", 503},
		{"RCPT TO:<b@example.org>", 250},
		{"RSET", 250},
		{"DATA", 503},
		{"EHLO client.example", 250},
		{"mail from:<a@example.com>", 250},
		{"rcpt to:<b@example.org>", 250},
		{"RCPT TO: <c@example.org>", 250},
		{"RCPT TO:<>", 501},
		{"VRFY b@example.org", 502},
		{"AUTH LOGIN", 504},
		{"DATA", 354},
	}
	for _, st := range steps {
		if err := c.PrintfLine("%s", st.send); err != nil {
			t.Fatal(err)
		}
		if _, msg, err := c.ReadResponse(st.code); err != nil {
			t.Fatalf("%s: got %v (%s), want %d", st.send, err, msg, st.code)
		}
	}
	body := "Subject: =?UTF-8?b?44GT44KT44Gr44Gh44Gv?=\r\n\r\n..leading dot\r\n.\r\n..\r\nlast\r\n"
	stuffed := "Subject: =?UTF-8?b?44GT44KT44Gr44Gh44Gv?=\r\n\r\n...leading dot\r\n..\r\n...\r\nlast\r\n.\r\n"
	if _, err := c.W.WriteString(stuffed); err != nil {
		t.Fatal(err)
	}
	c.W.Flush()
	if _, msg, err := c.ReadResponse(250); err != nil {
		t.Fatalf("end of data: %v (%s)", err, msg)
	}
	if err := c.PrintfLine("QUIT"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadResponse(221); err != nil {
		t.Fatalf("QUIT: %v", err)
	}

	got := s.Wait(t, 1, 10*time.Second)[0]
	if got.Raw != body {
		t.Errorf("raw = %q, want %q", got.Raw, body)
	}
	if got.Subject != "こんにちは" || got.Text != "..leading dot\n.\n..\nlast\n" {
		t.Errorf("subject %q text %q", got.Subject, got.Text)
	}
	if got.From != "a@example.com" || strings.Join(got.To, " ") != "b@example.org c@example.org" || got.AuthUser != "" {
		t.Errorf("envelope %q -> %q, auth %q", got.From, got.To, got.AuthUser)
	}
}

func TestServerAuthPlain(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		code  int
	}{
		{"initial response", []string{"AUTH PLAIN AHVzZXIAc2VjcmV0"}, 235},
		{"after challenge", []string{"AUTH PLAIN", "AHVzZXIAc2VjcmV0"}, 235},
		{"not base64", []string{"AUTH PLAIN !!!"}, 501},
		{"missing password field", []string{"AUTH PLAIN dXNlcg=="}, 501},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialServer(t, Start(t))
			for i, l := range tt.lines {
				if err := c.PrintfLine("%s", l); err != nil {
					t.Fatal(err)
				}
				want := tt.code
				if i < len(tt.lines)-1 {
					want = 334
				}
				if _, msg, err := c.ReadResponse(want); err != nil {
					t.Fatalf("%s: %v (%s), want %d", l, err, msg, want)
				}
			}
		})
	}
}

func TestServerRefusesUnparsableMessage(t *testing.T) {
	s := Start(t)
	c := dialServer(t, s)
	for _, l := range []string{"EHLO x", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.org>", "DATA"} {
		c.PrintfLine("%s", l)
		if _, _, err := c.ReadResponse(0); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
	}
	c.PrintfLine("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n.")
	if _, msg, err := c.ReadResponse(554); err != nil {
		t.Fatalf("got %v (%s), want 554", err, msg)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages stored", n)
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

func TestParsePath(t *testing.T) {
	tests := []struct {
		arg, want string
		ok        bool
	}{
		{"FROM:<a@example.com>", "a@example.com", true},
		{"from:<a@example.com> BODY=8BITMIME", "a@example.com", true},
		{"FROM: <a@example.com>", "a@example.com", true},
		{"FROM:<>", "", true},
		{"FROM:a@example.com", "", false},
		{"FROM:<a@example.com", "", false},
		{"FROM:<a b@example.com>", "", false},
		{"FROM:<a@example.com>BODY=8BITMIME", "", false},
		{"TO:<a@example.com>", "", false},
		{"FRO", "", false},
	}
	for _, tt := range tests {
		got, err := parsePath(tt.arg, "FROM:")
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parsePath(%q) = %q, %v; want %q, ok %v", tt.arg, got, err, tt.want, tt.ok)
		}
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

// FuzzParsePath checks that an accepted path yields an address that
// formats back into an equivalent command.
func FuzzParsePath(f *testing.F) {
	f.Fuzz(func(t *testing.T, arg string) {
		addr, err := parsePath(arg, "FROM:")
		if err != nil {
			return
		}
		if strings.ContainsAny(addr, "<> \t") {
			t.Fatalf("parsePath(%q) = %q", arg, addr)
		}
		again, err := parsePath("FROM:<"+addr+">", "FROM:")
		if err != nil || again != addr {
			t.Fatalf("parsePath(%q) = %q, which does not round-trip: %q, %v", arg, addr, again, err)
		}
	})
}
