package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Folder writes messages to files in a folder instead of sending them, one
// .eml file each that a mail program opens: for the demo and for trying
// Noren without a mail server. The files hold what the messages hold, so
// the folder is created readable by its owner only.
type Folder struct {
	dir    string
	sender *Sender
}

// NewFolder returns a Folder writing to dir with from as the sender.
func NewFolder(dir, from string) (*Folder, error) {
	a, err := parsePlainAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: folder: from: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: folder: %w", err)
	}
	return &Folder{dir: dir, sender: &Sender{from: a, domain: a.Address[strings.LastIndexByte(a.Address, '@')+1:]}}, nil
}

// Send checks m as Sender.Send does and writes it to a new file.
func (f *Folder) Send(ctx context.Context, m Message) error {
	what := "mail: folder: " + CountRecipients(len(m.To))
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	msg, err := f.sender.compose(m)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	name := time.Now().UTC().Format("20060102T150405.000000Z") + "-" + strings.ToLower(rand.Text()[:8]) + ".eml"
	if err := os.WriteFile(filepath.Join(f.dir, name), buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
