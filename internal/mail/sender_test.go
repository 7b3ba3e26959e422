package mail_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	noren "github.com/noren-web/noren/internal/mail"
	"github.com/noren-web/noren/internal/mail/mailtest"
)

// wait bounds how long a test waits for a message that is already sent.
const wait = 10 * time.Second

func newSender(t *testing.T, cfg noren.Config) *noren.Sender {
	t.Helper()
	s, err := noren.NewSender(cfg)
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	return s
}

func TestSendRoundTrip(t *testing.T) {
	tests := []struct {
		name, subject, text string
		encoding            string
	}{
		{
			name:    "japanese",
			subject: "【受付番号 A-1234】お問い合わせを受け付けました。担当者より三営業日以内にご連絡いたします",
			text: "山田 太郎 様\n\nお問い合わせいただき、ありがとうございます。\n" +
				"以下の内容で受け付けました。\n.\n..\n" +
				"本人確認のため、次のリンクを開いてください（24時間有効）:\nhttps://example.jp/ja/requests/verify?token=abc=def&x=1\n",
			encoding: "base64",
		},
		{
			name:    "english with a long line",
			subject: "New message through the contact form — café",
			text: "A new message arrived through /contact.\n\n" + strings.Repeat("Long line with = signs and trailing space ", 10) + "\n" +
				"Open https://example.jp/noren/contact?id=x=y to read it.\n. \n",
			encoding: "quoted-printable",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t)
			s := newSender(t, srv.Config())
			err := s.Send(t.Context(), noren.Message{To: []string{"taro@example.org"}, Subject: tt.subject, Text: tt.text})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Wait(t, 1, wait)[0]
			if got.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", got.Subject, tt.subject)
			}
			if got.Text != tt.text {
				t.Errorf("text = %q, want %q", got.Text, tt.text)
			}
			if got.From != "noren@example.com" || len(got.To) != 1 || got.To[0] != "taro@example.org" {
				t.Errorf("envelope = %q -> %q", got.From, got.To)
			}
			if cte := got.Header.Get("Content-Transfer-Encoding"); cte != tt.encoding {
				t.Errorf("Content-Transfer-Encoding = %q, want %q", cte, tt.encoding)
			}
			if ct := got.Header.Get("Content-Type"); !strings.EqualFold(ct, "text/plain; charset=UTF-8") {
				t.Errorf("Content-Type = %q", ct)
			}
			for i, r := range got.Raw {
				if r > 0x7e || r < ' ' && r != '\r' && r != '\n' && r != '\t' {
					t.Fatalf("raw message has byte %q at %d: headers and body must be encoded to ASCII", r, i)
				}
			}
			for line := range strings.SplitSeq(got.Raw, "\r\n") {
				if len(line) > 998 {
					t.Errorf("raw line of %d bytes exceeds the 998 RFC 5322 allows", len(line))
				}
			}
		})
	}
}

func TestSendHeaders(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSender(t, srv.Config())
	msg := noren.Message{To: []string{"a@example.org"}, Subject: "Hello", Text: "Hi.\n", ReplyTo: "staff@example.net"}
	if err := s.Send(t.Context(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if err := s.Send(t.Context(), msg); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Wait(t, 2, wait)
	h := got[0].Header

	id := h.Get("Message-ID")
	if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") || len(id) < len("<@example.com>")+20 {
		t.Errorf("Message-ID = %q, want <random@example.com>", id)
	}
	if other := got[1].Header.Get("Message-ID"); other == id {
		t.Errorf("two messages share Message-ID %q", id)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if from := h.Get("From"); from != "<noren@example.com>" && from != "noren@example.com" {
		t.Errorf("From = %q", from)
	}
	if rt := h.Get("Reply-To"); !strings.Contains(rt, "staff@example.net") {
		t.Errorf("Reply-To = %q", rt)
	}
	if h.Get("MIME-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", h.Get("MIME-Version"))
	}
	for _, name := range []string{"X-Mailer", "User-Agent"} {
		if v := h.Get(name); v != "" {
			t.Errorf("%s = %q: the software must not advertise itself", name, v)
		}
	}
	if strings.Contains(strings.ToLower(got[0].Raw), "go-mail") {
		t.Errorf("raw message names the mail library:\n%s", got[0].Raw)
	}
}

func TestSendSeveralRecipients(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSender(t, srv.Config())
	to := []string{"one@example.org", "two@example.net", "three@example.jp"}
	if err := s.Send(t.Context(), noren.Message{To: to, Subject: "新着のお問い合わせ", Text: "管理画面で確認してください。\n"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := srv.Wait(t, 1, wait)
	if len(got) != 1 {
		t.Fatalf("%d messages, want one message to several recipients", len(got))
	}
	if strings.Join(got[0].To, ",") != strings.Join(to, ",") {
		t.Errorf("envelope recipients = %q, want %q", got[0].To, to)
	}
	list, err := got[0].Header.AddressList("To")
	if err != nil {
		t.Fatalf("To header: %v", err)
	}
	if len(list) != len(to) {
		t.Errorf("To header has %d addresses, want %d", len(list), len(to))
	}
}

func TestSendConcurrently(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSender(t, srv.Config())
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			errs <- s.Send(t.Context(), noren.Message{To: []string{"a@example.org"}, Subject: "s", Text: "t"})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Send: %v", err)
		}
	}
	if got := srv.Wait(t, n, wait); len(got) != n {
		t.Errorf("%d messages, want %d", len(got), n)
	}
}

func TestSendWithCredentials(t *testing.T) {
	srv := mailtest.Start(t)
	cfg := srv.Config()
	cfg.Username, cfg.Password = "relay-user", "secret"
	s := newSender(t, cfg)
	if err := s.Send(t.Context(), noren.Message{To: []string{"a@example.org"}, Subject: "s", Text: "t"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.Wait(t, 1, wait)[0].AuthUser; got != "relay-user" {
		t.Errorf("authenticated as %q, want relay-user", got)
	}
}

func TestSendOverTLS(t *testing.T) {
	tests := []struct {
		name   string
		server mailtest.Option
		mode   string
	}{
		{"starttls, the default mode", mailtest.StartTLS(), ""},
		{"implicit tls", mailtest.ImplicitTLS(), noren.TLSImplicit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.server)
			cfg := srv.Config()
			cfg.TLS = tt.mode
			cfg.Username, cfg.Password = "relay-user", "secret"
			s := newSender(t, cfg)
			noren.TrustRoots(s, srv.RootCAs())
			m := noren.Message{To: []string{"a@example.org"}, Subject: "件名", Text: "本文です。\n"}
			if err := s.Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Wait(t, 1, wait)[0]
			if !got.TLS {
				t.Error("message arrived in the clear")
			}
			if got.AuthUser != "relay-user" || got.Subject != m.Subject || got.Text != m.Text {
				t.Errorf("received auth %q, subject %q, text %q", got.AuthUser, got.Subject, got.Text)
			}
		})
	}
}

func TestSendRefusesUntrustedCertificate(t *testing.T) {
	other := mailtest.Start(t, mailtest.StartTLS()).RootCAs()
	tests := []struct {
		name   string
		server mailtest.Option
		roots  *x509.CertPool // nil: the system's pool
	}{
		{"starttls, unknown issuer", mailtest.StartTLS(), nil},
		{"starttls, another server's certificate", mailtest.StartTLS(), other},
		{"implicit tls, unknown issuer", mailtest.ImplicitTLS(), nil},
		{"implicit tls, another server's certificate", mailtest.ImplicitTLS(), other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.server)
			cfg := srv.Config()
			cfg.Username, cfg.Password = "relay-user", "secret"
			s := newSender(t, cfg)
			noren.TrustRoots(s, tt.roots)
			m := noren.Message{To: []string{"victim@example.org"}, Subject: "ご相談の件", Text: "秘密の相談があります。"}
			err := s.Send(t.Context(), m)
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("Send = %v, want a certificate error", err)
			}
			assertNoPersonalData(t, err, m)
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server received %d messages", n)
			}
		})
	}
}

func TestSendRequiresOfferedStartTLS(t *testing.T) {
	// A server started without mailtest.StartTLS does not offer it; the
	// sender must refuse rather than carry on in the clear.
	srv := mailtest.Start(t)
	cfg := srv.Config()
	cfg.TLS = noren.TLSStartTLS
	s := newSender(t, cfg)
	err := s.Send(t.Context(), noren.Message{To: []string{"a@example.org"}, Subject: "s", Text: "t"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send = %v, want a STARTTLS error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

// TestSendNoSMTPSmuggling checks that a body cannot end the DATA section
// early and start a second message.
func TestSendNoSMTPSmuggling(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSender(t, srv.Config())
	text := "first\r\n.\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nsmuggled\n.\n"
	if err := s.Send(t.Context(), noren.Message{To: []string{"a@example.org"}, Subject: "s", Text: text}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// Send has returned after QUIT, so the server has seen all it will see.
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	if want := strings.ReplaceAll(text, "\r\n", "\n"); got[0].Text != want {
		t.Errorf("text = %q, want %q", got[0].Text, want)
	}
}

func TestSendRefusesInjection(t *testing.T) {
	valid := noren.Message{To: []string{"a@example.org"}, Subject: "Subject", Text: "Body"}
	tests := []struct {
		name string
		edit func(*noren.Message)
	}{
		{"CRLF in recipient", func(m *noren.Message) { m.To = []string{"victim@example.org\r\nBcc: all@example.org"} }},
		{"LF in recipient", func(m *noren.Message) { m.To = []string{"victim@example.org\nBcc: all@example.org"} }},
		{"CR in recipient", func(m *noren.Message) { m.To = []string{"victim@example.org\rBcc: all@example.org"} }},
		{"NUL in recipient", func(m *noren.Message) { m.To = []string{"victim@example.org\x00"} }},
		{"line separator in recipient", func(m *noren.Message) { m.To = []string{"victim@example.org\u2028Bcc: all@example.org"} }},
		{"display name", func(m *noren.Message) { m.To = []string{"Victim <victim@example.org>"} }},
		{"angle brackets", func(m *noren.Message) { m.To = []string{"<victim@example.org>"} }},
		{"list in one recipient", func(m *noren.Message) { m.To = []string{"victim@example.org, all@example.org"} }},
		{"non-ASCII recipient", func(m *noren.Message) { m.To = []string{"victim@例え.jp"} }},
		{"not an address", func(m *noren.Message) { m.To = []string{"victim-at-example.org"} }},
		{"second recipient bad", func(m *noren.Message) { m.To = []string{"a@example.org", "victim@example.org\r\nX: y"} }},
		{"empty recipient", func(m *noren.Message) { m.To = []string{""} }},
		{"no recipients", func(m *noren.Message) { m.To = nil }},
		{"too many recipients", func(m *noren.Message) { m.To = slicesRepeat("a@example.org", 101) }},
		{"CRLF in reply-to", func(m *noren.Message) { m.ReplyTo = "victim@example.org\r\nBcc: all@example.org" }},
		{"display name in reply-to", func(m *noren.Message) { m.ReplyTo = "Victim <victim@example.org>" }},
		{"CRLF in subject", func(m *noren.Message) { m.Subject = "Hello\r\nBcc: all@example.org" }},
		{"LF in subject", func(m *noren.Message) { m.Subject = "こんにちは\nX-Injected: 1" }},
		{"CR in subject", func(m *noren.Message) { m.Subject = "Hello\rX-Injected: 1" }},
		{"next line in subject", func(m *noren.Message) { m.Subject = "Hello\u0085X-Injected: 1" }},
		{"empty subject", func(m *noren.Message) { m.Subject = "" }},
		{"invalid UTF-8 subject", func(m *noren.Message) { m.Subject = "\xff\xfe" }},
		{"bare CR in text", func(m *noren.Message) { m.Text = "line\r.\rMAIL FROM:<evil@example.org>" }},
		{"NUL in text", func(m *noren.Message) { m.Text = "a\x00b" }},
		{"invalid UTF-8 text", func(m *noren.Message) { m.Text = "\xc3\x28" }},
	}
	srv := mailtest.Start(t)
	s := newSender(t, srv.Config())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid
			tt.edit(&m)
			err := s.Send(t.Context(), m)
			if err == nil {
				t.Fatal("Send accepted the message")
			}
			assertNoPersonalData(t, err, m)
		})
	}
	// Every refusal happens before connecting.
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestSendRefusalKeepsCodeNotText(t *testing.T) {
	tests := []struct {
		name      string
		step      mailtest.Step
		reply     string
		code      int
		enhanced  string
		temporary bool
	}{
		{"recipient refused", mailtest.RcptTo, "550 5.1.1 <victim@example.org>: Recipient address rejected: User unknown", 550, "5.1.1", false},
		{"recipient deferred", mailtest.RcptTo, "451 4.7.1 <victim@example.org>: greylisted, try later", 451, "4.7.1", true},
		{"content refused", mailtest.Data, "554 5.7.1 message from victim@example.org with text 秘密の相談 refused", 554, "5.7.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.FailAt(tt.step, tt.reply))
			s := newSender(t, srv.Config())
			m := noren.Message{To: []string{"victim@example.org"}, Subject: "ご相談の件", Text: "秘密の相談があります。"}
			err := s.Send(t.Context(), m)
			var de *noren.DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("Send = %v, want a *DeliveryError", err)
			}
			if de.Code != tt.code || de.EnhancedCode != tt.enhanced || de.Temporary != tt.temporary {
				t.Errorf("DeliveryError = %+v, want code %d (%s), temporary %v", de, tt.code, tt.enhanced, tt.temporary)
			}
			if !strings.Contains(err.Error(), "send to 1 recipient") {
				t.Errorf("error %q does not say how many recipients", err)
			}
			assertNoPersonalData(t, err, m)
		})
	}
}

func TestSendStopsWhenServerGoesSilent(t *testing.T) {
	msg := noren.Message{To: []string{"victim@example.org"}, Subject: "件名", Text: "本文"}
	for _, at := range []mailtest.Step{mailtest.Greeting, mailtest.Hello, mailtest.MailFrom, mailtest.RcptTo, mailtest.Data} {
		t.Run("silent at "+string(at), func(t *testing.T) {
			srv := mailtest.Start(t, mailtest.SilentAt(at))
			s := newSender(t, srv.Config())
			ctx, cancel := context.WithCancel(t.Context())
			go func() {
				<-srv.Stalled()
				cancel()
			}()
			err := s.Send(ctx, msg)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Send = %v, want context.Canceled", err)
			}
			assertNoPersonalData(t, err, msg)
		})
	}
	t.Run("config timeout", func(t *testing.T) {
		srv := mailtest.Start(t, mailtest.SilentAt(mailtest.Greeting))
		cfg := srv.Config()
		cfg.Timeout = 50 * time.Millisecond
		s := newSender(t, cfg)
		if err := s.Send(t.Context(), msg); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Send = %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("context already done", func(t *testing.T) {
		srv := mailtest.Start(t)
		s := newSender(t, srv.Config())
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := s.Send(ctx, msg); !errors.Is(err, context.Canceled) {
			t.Fatalf("Send = %v, want context.Canceled", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server received %d messages", n)
		}
	})
}

// assertNoPersonalData fails if err repeats any address or text of m.
func assertNoPersonalData(t *testing.T, err error, m noren.Message) {
	t.Helper()
	text := err.Error()
	var personal []string
	for _, to := range append(append([]string(nil), m.To...), m.ReplyTo) {
		personal = append(personal, to)
		if a, perr := mail.ParseAddress(to); perr == nil {
			personal = append(personal, a.Address)
		}
		if local, _, ok := strings.Cut(to, "@"); ok && len(local) > 3 {
			personal = append(personal, local)
		}
	}
	personal = append(personal, m.Subject, m.Text, "victim", "秘密")
	for _, p := range personal {
		if len(p) > 3 && strings.Contains(text, p) {
			t.Errorf("error %q contains personal data %q", text, p)
		}
	}
}

// TestSendConnectionLostAfterData: a server that accepted the message and
// then hung up has the message, so Send reports success; an error would
// have the caller send it a second time.
func TestSendConnectionLostAfterData(t *testing.T) {
	srv := mailtest.Start(t, mailtest.HangUpAfterData())
	s := newSender(t, srv.Config())
	err := s.Send(context.Background(), noren.Message{To: []string{"a@example.jp"}, Subject: "s", Text: "t"})
	if err != nil {
		t.Fatalf("Send = %v; want nil, the message was accepted", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("the server has %d messages; want 1", n)
	}
}
