package site

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

// inflate decompresses one gzip member and fails on anything after it, so
// that a wrong length, CRC or trailing byte shows.
func inflate(t testing.TB, member []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(member))
	if err != nil {
		t.Fatalf("gzip header: %v", err)
	}
	zr.Multistream(false)
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	if rest, _ := io.ReadAll(zr); len(rest) > 0 {
		t.Fatalf("%d bytes after the gzip member", len(rest))
	}
	return got
}

// spliceAndCheck compresses segments for nonce, sends them with it and
// checks that the member inflates to segments joined by nonce and has the
// length announced.
func spliceAndCheck(t testing.TB, segments [][]byte, nonce string) *gzipSplice {
	t.Helper()
	g, err := newGzipSplice(segments, len(nonce), cachedGzipLevel)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	n, err := g.write(&out, segments, nonce)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(out.Len()) || n != g.len() {
		t.Errorf("wrote %d bytes, reported %d, announced %d", out.Len(), n, g.len())
	}
	want := bytes.Join(segments, []byte(nonce))
	if got := inflate(t, out.Bytes()); !bytes.Equal(got, want) {
		t.Errorf("inflated %d bytes %.80q…, want %d bytes %.80q…", len(got), got, len(want), want)
	}
	return g
}

func TestGzipSplice(t *testing.T) {
	var large strings.Builder
	if err := largePage(&large, 100<<10); err != nil {
		t.Fatal(err)
	}
	page := large.String()
	nonce := "q0Yt1Qx3P5vZ+8/Lw2Rk9A=="
	tests := []struct {
		name     string
		segments []string
		nonce    string
	}{
		{"no nonce", []string{page}, nonce},
		{"empty page", []string{""}, nonce},
		{"nonce only", []string{"", ""}, nonce},
		{"nonce first and last", []string{"", "<p>between</p>", ""}, nonce},
		{"adjacent nonces", []string{"<script nonce=\"", "", "\">x</script>"}, nonce},
		{"large page cut in three", []string{page[:100], page[100 : 60<<10], page[60<<10:]}, nonce},
		{"segment repeating the one before", []string{page[:20<<10], page[:20<<10]}, nonce},
		{"NUL bytes in a segment", []string{"abc\x00\x00\x00\x00abc", "\x00\x00\x00\x00abc\x00\x00\x00\x00", "abcabc"}, nonce},
		{"empty nonce", []string{page[:5000], page[:5000]}, ""},
		{"nonce longer than a stored block", []string{"<p>", "</p>"}, strings.Repeat("n", maxStoredBlock+10)},
		{"Japanese", []string{"<p>外部送信について", "保有個人情報の開示請求です。</p>"}, nonce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segments := make([][]byte, len(tt.segments))
			for i, s := range tt.segments {
				segments[i] = []byte(s)
			}
			spliceAndCheck(t, segments, tt.nonce)
		})
	}
}

// TestGzipSpliceUsesHistory checks that segments are compressed with the
// ones before them as a dictionary: a segment that repeats the previous one
// costs a fraction of the first, not a second copy.
func TestGzipSpliceUsesHistory(t *testing.T) {
	var large strings.Builder
	if err := largePage(&large, 16<<10); err != nil {
		t.Fatal(err)
	}
	seg := []byte(large.String())
	g := spliceAndCheck(t, [][]byte{seg, seg}, "q0Yt1Qx3P5vZ+8/Lw2Rk9A==")
	if first, second := len(g.blocks[0]), len(g.blocks[1]); second > first/4 {
		t.Errorf("the repeated segment deflates to %d bytes (the first to %d)", second, first)
	}
}

func TestGzipSpliceRefusesOtherNonceLength(t *testing.T) {
	segments := [][]byte{[]byte("<script nonce=\""), []byte("\"></script>")}
	g, err := newGzipSplice(segments, 24, cachedGzipLevel)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := g.write(&out, segments, "short"); err != errNonceLength {
		t.Errorf("err = %v, want errNonceLength", err)
	}
	if out.Len() > 0 {
		t.Errorf("wrote %d bytes before refusing", out.Len())
	}
}

// FuzzGzipSplice cuts a page at every sep byte, puts nonce at the cuts and
// checks that the spliced gzip member inflates to exactly that.
func FuzzGzipSplice(f *testing.F) {
	f.Add([]byte("<html><head><script nonce=\"@\">x()</script></head><body>@</body></html>"), byte('@'), "q0Yt1Qx3P5vZ+8/Lw2Rk9A==")
	f.Add([]byte("@@@"), byte('@'), "")
	f.Add([]byte("aaaaaaaa\x00aaaa\x00aaaaaaaa"), byte(0), "\x00\x00\x00")
	f.Fuzz(func(t *testing.T, page []byte, sep byte, nonce string) {
		if len(nonce) > 1<<10 {
			return
		}
		spliceAndCheck(t, bytes.Split(page, []byte{sep}), nonce)
	})
}
