package mail_test

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/mail"
)

// silent, as a scripted reply, makes the server stop answering.
const silent = "(silent)"

// scriptedServer is an SMTP server on loopback whose replies a test
// dictates, for the failures mailtest does not produce: refusals and servers
// that stop answering.
type scriptedServer struct {
	ln       net.Listener
	replies  map[string]string
	stalled  chan struct{} // closed when the server goes silent
	stallOne sync.Once
	wg       sync.WaitGroup
}

// startScripted starts a server that answers each SMTP verb with
// replies[verb] ("" is the greeting, "." the reply after the data) and
// with a plain success otherwise.
func startScripted(t *testing.T, replies map[string]string) *scriptedServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptedServer{ln: ln, replies: replies, stalled: make(chan struct{})}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *scriptedServer) config() mail.Config {
	addr := s.ln.Addr().(*net.TCPAddr)
	return mail.Config{Host: addr.IP.String(), Port: addr.Port, From: "noren@example.com", TLS: mail.TLSNone, Timeout: time.Minute}
}

func (s *scriptedServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.converse(c)
		}()
	}
}

func (s *scriptedServer) reply(key, fallback string) string {
	if r, ok := s.replies[key]; ok {
		return r
	}
	return fallback
}

func (s *scriptedServer) converse(c net.Conn) {
	r := bufio.NewReader(c)
	say := func(reply string) bool {
		if reply == silent {
			s.stallOne.Do(func() { close(s.stalled) })
			// Read until the client gives up and closes the connection;
			// the test's cleanup closing the listener does not end this.
			for {
				if _, err := r.ReadString('\n'); err != nil {
					return false
				}
			}
		}
		_, err := c.Write([]byte(reply + "\r\n"))
		return err == nil
	}
	if !say(s.reply("", "220 scripted ESMTP")) {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		verb = strings.ToUpper(verb)
		switch verb {
		case "EHLO":
			if !say(s.reply(verb, "250-scripted\r\n250 ENHANCEDSTATUSCODES")) {
				return
			}
		case "DATA":
			reply := s.reply(verb, "354 go ahead")
			if !say(reply) {
				return
			}
			if !strings.HasPrefix(reply, "354") {
				continue
			}
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			if !say(s.reply(".", "250 2.0.0 queued")) {
				return
			}
		case "QUIT":
			say("221 bye")
			return
		default:
			if !say(s.reply(verb, "250 2.0.0 OK")) {
				return
			}
		}
	}
}
