package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noren-web/noren/internal/mail"
)

func TestFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	o, err := mail.NewFolder(dir, "noren@demo.localhost")
	if err != nil {
		t.Fatal(err)
	}
	err = o.Send(context.Background(), mail.Message{To: []string{"hanako@example.jp"}, Subject: "確認のお願い", Text: "次のリンクを開いてください。\nhttps://demo.localhost/ja/privacy/requests/verify?t=abc\n"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("the folder holds %v, %v; want one .eml file", files, err)
	}
	info, err := os.Stat(files[0])
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, %v; want 0600", info.Mode().Perm(), err)
	}
	raw, _ := os.ReadFile(files[0])
	for _, want := range []string{"To: <hanako@example.jp>", "From: <noren@demo.localhost>", "Subject: =?UTF-8?"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the file lacks %q:\n%s", want, raw)
		}
	}
	if err := o.Send(context.Background(), mail.Message{To: []string{"bad\r\nBcc: x@example.jp"}, Subject: "x", Text: "x"}); err == nil {
		t.Error("a header injection was written")
	}
}
