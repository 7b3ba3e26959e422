package mailtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
)

// Message is one message the server accepted.
type Message struct {
	// From is the envelope sender (MAIL FROM).
	From string
	// To lists the envelope recipients (RCPT TO), in order.
	To []string
	// AuthUser is the user name given with AUTH PLAIN, or "" without AUTH.
	AuthUser string
	// TLS reports whether the message came over TLS, implicit or after
	// STARTTLS.
	TLS bool
	// Header holds the message's header fields, unfolded but not decoded.
	Header netmail.Header
	// Subject is the Subject header with RFC 2047 encoded-words decoded.
	Subject string
	// Text is the body with its transfer encoding undone and "\n" line ends.
	Text string
	// Raw is the message as sent after DATA, dot stuffing undone.
	Raw string
}

// parseMessage decodes a single-part text message: the only kind Noren sends.
func parseMessage(raw []byte) (Message, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("read header: %w", err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, fmt.Errorf("decode subject: %w", err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "" {
		mediaType, params, err := mime.ParseMediaType(ct)
		if err != nil {
			return Message{}, fmt.Errorf("content-type: %w", err)
		}
		if mediaType != "text/plain" {
			return Message{}, fmt.Errorf("content-type %s is not text/plain", mediaType)
		}
		if cs := strings.ToLower(params["charset"]); cs != "" && cs != "utf-8" && cs != "us-ascii" {
			return Message{}, fmt.Errorf("charset %s is not UTF-8", cs)
		}
	}
	var body io.Reader
	switch cte := strings.ToLower(strings.TrimSpace(msg.Header.Get("Content-Transfer-Encoding"))); cte {
	case "", "7bit", "8bit", "binary":
		body = msg.Body
	case "quoted-printable":
		body = quotedprintable.NewReader(msg.Body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, msg.Body)
	default:
		return Message{}, fmt.Errorf("unknown content-transfer-encoding %q", cte)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return Message{}, fmt.Errorf("decode body: %w", err)
	}
	return Message{
		Header:  msg.Header,
		Subject: subject,
		Text:    strings.ReplaceAll(string(text), "\r\n", "\n"),
		Raw:     string(raw),
	}, nil
}
