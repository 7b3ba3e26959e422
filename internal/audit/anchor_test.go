package audit_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/audit"
	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
)

func mustAnchorKey(t testing.TB) *audit.AnchorKey {
	t.Helper()
	k, err := audit.GenerateAnchorKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestAnchorKeyFile(t *testing.T) {
	k := mustAnchorKey(t)
	text := k.Marshal()
	back, err := audit.ParseAnchorKey(text)
	if err != nil {
		t.Fatalf("ParseAnchorKey(Marshal()): %v", err)
	}
	if back.Public().String() != k.Public().String() {
		t.Errorf("the key read back has public key %s, want %s", back.Public(), k.Public())
	}
	pub, err := audit.ParseAnchorPublicKey(k.Public().String())
	if err != nil || pub.ID() != k.Public().ID() || len(pub.ID()) != 16 {
		t.Errorf("ParseAnchorPublicKey(String()) = %v (id %q), %v; want id %q", pub, pub.ID(), err, k.Public().ID())
	}
	seed := strings.Fields(string(text[bytes.Index(text, []byte("private ")):]))[1]
	for _, shown := range []string{fmt.Sprint(k), fmt.Sprintf("%x %v %+v %#v %s", k, k, k, k, k)} {
		if strings.Contains(shown, seed) || !strings.Contains(shown, k.Public().ID()) {
			t.Errorf("printing the key shows %q; want its id and no key material", shown)
		}
	}

	path := filepath.Join(t.TempDir(), "anchor.key")
	if err := audit.WriteAnchorKey(path, k); err != nil {
		t.Fatalf("WriteAnchorKey: %v", err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v, %v; want mode 0600", info.Mode(), err)
	}
	if err := audit.WriteAnchorKey(path, mustAnchorKey(t)); err == nil {
		t.Error("WriteAnchorKey replaced an existing key file")
	}
	loaded, err := audit.LoadAnchorKey(path)
	if err != nil || loaded.Public().ID() != k.Public().ID() {
		t.Fatalf("LoadAnchorKey = %v, %v", loaded, err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.LoadAnchorKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("LoadAnchorKey of a group-readable file = %v, want a refusal", err)
	}

	for name, text := range map[string]string{
		"empty":        "",
		"no header":    "private " + seed + "\n",
		"no key":       "noren-audit-anchor-key v1\n",
		"short key":    "noren-audit-anchor-key v1\nprivate " + base64.StdEncoding.EncodeToString(make([]byte, 16)) + "\n",
		"zero key":     "noren-audit-anchor-key v1\nprivate " + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n",
		"two keys":     "noren-audit-anchor-key v1\nprivate " + seed + "\nprivate " + seed + "\n",
		"other entry":  "noren-audit-anchor-key v1\npublic " + seed + "\n",
		"vault format": "noren-vault-key v1\nprivate " + seed + "\n",
	} {
		if _, err := audit.ParseAnchorKey([]byte(text)); err == nil {
			t.Errorf("%s: ParseAnchorKey succeeded", name)
		} else if strings.Contains(err.Error(), seed) {
			t.Errorf("%s: the error %q holds the key", name, err)
		}
	}
	for _, s := range []string{"", "ed25519:", "ed25519:abc", k.Public().String()[len("ed25519:"):], "rsa:" + k.Public().String()[len("ed25519:"):]} {
		if _, err := audit.ParseAnchorPublicKey(s); err == nil {
			t.Errorf("ParseAnchorPublicKey(%q) succeeded", s)
		}
	}
}

// rewriteTail replaces entries from seq on by forged ones, appended
// through the trail so that their hashes are correctly recomputed: what
// someone with full rights over the database and Noren's code can do.
func rewriteTail(t *testing.T, db *store.DB, trail *audit.Trail, from, to int64) {
	t.Helper()
	unprotect(t, db)
	exec(t, db, `DELETE FROM audit_log WHERE seq >= $1`, from)
	for i := from; i <= to; i++ {
		e := sample(int(i))
		e.Actor = "someone-else@example.jp"
		if _, err := trail.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// anchorAt signs the trail's head at time at into the anchor file.
func anchorAt(t *testing.T, trail *audit.Trail, key *audit.AnchorKey, file string, at time.Time) audit.Anchor {
	t.Helper()
	h, err := trail.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a := key.Sign(h, at)
	if err := audit.AppendAnchor(file, a); err != nil {
		t.Fatalf("AppendAnchor: %v", err)
	}
	return a
}

func readAnchors(t *testing.T, file string, pub audit.AnchorPublicKey) []audit.Checkpoint {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cps, err := audit.ReadAnchors(f, pub)
	if err != nil {
		t.Fatalf("ReadAnchors: %v", err)
	}
	return cps
}

// TestAnchorsCatchRewrittenTail is the acceptance check: a tail rewritten
// with correctly recomputed hashes passes the chain, and is caught by the
// anchors signed before, naming where.
func TestAnchorsCatchRewrittenTail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		trail := audit.New(db)
		key := mustAnchorKey(t)
		file := filepath.Join(t.TempDir(), "anchors.jsonl")
		at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

		appendSamples(t, trail, 4)
		anchorAt(t, trail, key, file, at)
		for i := 5; i <= 8; i++ {
			if _, err := trail.Append(ctx, sample(i)); err != nil {
				t.Fatal(err)
			}
		}
		anchorAt(t, trail, key, file, at.Add(time.Hour))
		for i := 9; i <= 12; i++ {
			if _, err := trail.Append(ctx, sample(i)); err != nil {
				t.Fatal(err)
			}
		}
		if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("anchor file: %v, %v; want mode 0600", info.Mode(), err)
		}

		cps := readAnchors(t, file, key.Public())
		if len(cps) != 2 || cps[0].Seq != 4 || cps[1].Seq != 8 {
			t.Fatalf("anchors read: %+v", cps)
		}
		rep, err := trail.VerifyCheckpoints(ctx, cps)
		if err != nil || rep.Problem != nil || rep.Entries != 12 {
			t.Fatalf("intact trail against its anchors: %+v, %v", rep, err)
		}

		rewriteTail(t, db, trail, 6, 12)
		if rep, err := trail.Verify(ctx, nil); err != nil || rep.Problem != nil || rep.Entries != 12 {
			t.Fatalf("the rewritten trail should pass the chain alone (that is what anchors are for): %+v, %v", rep, err)
		}
		rep, err = trail.VerifyCheckpoints(ctx, cps)
		if err != nil {
			t.Fatal(err)
		}
		p := rep.Problem
		if p == nil || p.Seq != 8 || p.Kind != audit.KindAltered {
			t.Fatalf("rewritten tail against the anchors: %+v, problem %v; want entry 8 altered", rep, p)
		}
		for _, want := range []string{"after entry 4", "line 2", "2026-12-07T10:00:00.000000Z"} {
			if !strings.Contains(p.Message, want) {
				t.Errorf("message %q does not say %q", p.Message, want)
			}
		}
		if rep.Entries != 7 {
			t.Errorf("Entries = %d, want the 7 before entry 8", rep.Entries)
		}

		// Cut short before the last anchor.
		exec(t, db, `DELETE FROM audit_log WHERE seq >= 7`)
		rep, err = trail.VerifyCheckpoints(ctx, cps)
		if err != nil || rep.Problem == nil || rep.Problem.Kind != audit.KindTruncated || rep.Problem.Seq != 7 {
			t.Fatalf("trail cut before the last anchor: %+v, problem %v; want truncated at 7", rep, rep.Problem)
		}
	})
}

// Anchors that were altered, forged or signed by another key are refused,
// naming the line.
func TestReadAnchorsRefuses(t *testing.T) {
	key := mustAnchorKey(t)
	other := mustAnchorKey(t)
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	hash := strings.Repeat("ab", 32)
	good := key.Sign(audit.Head{Seq: 5, Hash: hash}, at)
	line := func(a audit.Anchor) string { return string(a.MarshalLine()) }
	edit := func(field string, value any) string {
		var m map[string]any
		if err := json.Unmarshal(good.MarshalLine(), &m); err != nil {
			t.Fatal(err)
		}
		m[field] = value
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	forged := other.Sign(audit.Head{Seq: 5, Hash: strings.Repeat("cd", 32)}, at)
	relabelled := forged
	relabelled.Key = key.Public().ID()
	badSig := good
	badSig.Sig = bytes.Clone(good.Sig)
	badSig.Sig[0] ^= 1

	tests := []struct {
		name string
		text string
		want string
	}{
		{"hash changed", line(good) + "\n" + edit("hash", strings.Repeat("cd", 32)), "line 2: its signature does not verify"},
		{"seq changed", edit("seq", 6), "line 1: its signature does not verify"},
		{"time changed", edit("at", "2026-12-07T10:00:00.000000Z"), "line 1: its signature does not verify"},
		{"signature flipped", line(badSig), "line 1: its signature does not verify"},
		{"signed by another key", line(good) + "\n\n" + line(forged), "line 3: signed by key " + other.Public().ID()},
		{"another key's signature relabelled", line(relabelled), "line 1: its signature does not verify"},
		{"not JSON", "seq=5", "line 1: not an anchor"},
		{"unknown field", edit("note", "x"), "line 1: not an anchor"},
		{"signature not base64", edit("sig", "!!"), "line 1: its signature is not"},
		{"time in another spelling", edit("at", "2026-12-07T09:00:00Z"), "line 1: its time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := audit.ReadAnchors(strings.NewReader(tt.text), key.Public())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadAnchors = %v, want an error containing %q", err, tt.want)
			}
		})
	}

	// The wrong public key refuses every anchor.
	if _, err := audit.ReadAnchors(strings.NewReader(line(good)), other.Public()); err == nil || !strings.Contains(err.Error(), "not by the public key given") {
		t.Errorf("ReadAnchors with another public key = %v, want a refusal", err)
	}
	// A verifier with its own Ed25519 implementation checks the documented
	// signed form.
	pub, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(key.Public().String(), "ed25519:"))
	if err != nil {
		t.Fatal(err)
	}
	msg := fmt.Sprintf(`["noren-audit-anchor-1",5,"2026-12-07T09:00:00.000000Z","%s","%s"]`, hash, key.Public().ID())
	if !ed25519.Verify(pub, []byte(msg), good.Sig) {
		t.Error("the signature does not cover the documented form")
	}
}
