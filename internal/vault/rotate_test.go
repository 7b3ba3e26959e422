package vault_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store"
	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

func TestRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys, keyFile := writeKeys(t, mustKeys(t))
		v := mustVault(t, db, keys)
		want := make(map[string]string)
		for i := range 7 {
			data := fmt.Sprintf("message %d", i)
			want[mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Subject: fmt.Sprintf("p%d@example.jp", i%2), Data: []byte(data)})] = data
		}
		shredded := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact"})
		if err := v.Shred(ctx, shredded); err != nil {
			t.Fatal(err)
		}

		next, err := keys.WithNewKEK()
		if err != nil {
			t.Fatal(err)
		}
		if next.ActiveKEK() == keys.ActiveKEK() || len(next.KEKs()) != 2 {
			t.Fatalf("WithNewKEK: KEKs %q after %q", next.KEKs(), keys.KEKs())
		}
		if err := vault.WriteKeyFile(keyFile, next); err != nil {
			t.Fatal(err)
		}

		// Interrupt the rotation after its first batch.
		interrupted, cancel := context.WithCancel(ctx)
		var progress []int
		n, err := v.Rotate(interrupted, next, vault.RotateOptions{BatchSize: 3, Progress: func(done int) {
			progress = append(progress, done)
			cancel()
		}})
		if !errors.Is(err, context.Canceled) || n != 3 {
			t.Fatalf("interrupted Rotate = %d, %v; want 3, context.Canceled", n, err)
		}
		inv, err := v.Report(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if inv.KEKs[next.ActiveKEK()] != 3 || inv.KEKs[keys.ActiveKEK()] != 4 {
			t.Errorf("after the interrupted rotation KEKs = %v, want 3 new and 4 old", inv.KEKs)
		}
		// Records sealed meanwhile are already under the new KEK.
		sealed := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Data: []byte("during rotation")})
		want[sealed] = "during rotation"

		progress = nil
		n, err = v.Rotate(ctx, next, vault.RotateOptions{BatchSize: 3, Progress: func(done int) { progress = append(progress, done) }})
		if err != nil || n != 4 {
			t.Fatalf("resumed Rotate = %d, %v; want the 4 records left", n, err)
		}
		if fmt.Sprint(progress) != "[3 4]" {
			t.Errorf("progress %v, want [3 4]", progress)
		}
		if n, err := v.Rotate(ctx, next, vault.RotateOptions{}); err != nil || n != 0 {
			t.Errorf("third Rotate = %d, %v; want nothing left to do", n, err)
		}
		inv, err = v.Report(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(inv.KEKs) != 1 || inv.KEKs[next.ActiveKEK()] != 8 {
			t.Errorf("after rotation KEKs = %v, want all 8 live records under %s", inv.KEKs, next.ActiveKEK())
		}

		// The old key is no longer needed: a key file with the new KEK
		// alone opens everything, and finds by subject still work.
		if err := vault.WriteKeyFile(keyFile, next.ActiveOnly()); err != nil {
			t.Fatal(err)
		}
		only, err := vault.LoadKeyFile(keyFile)
		if err != nil {
			t.Fatal(err)
		}
		fresh := mustVault(t, db, only)
		for id, data := range want {
			rec, err := fresh.Open(ctx, id)
			if err != nil || string(rec.Data) != data {
				t.Errorf("Open(%s) with the new key file alone = %q, %v; want %q", id, rec.Data, err, data)
			}
		}
		if metas, err := fresh.Find(ctx, "p0@example.jp"); err != nil || len(metas) != 4 {
			t.Errorf("Find after rotation: %d records, %v; want 4", len(metas), err)
		}
		if err := fresh.Verify(ctx); err != nil {
			t.Errorf("Verify after rotation: %v", err)
		}
		if _, err := mustVault(t, db, keys).Open(ctx, sealed); !errors.Is(err, vault.ErrUnknownKEK) {
			t.Errorf("the old keys alone after rotation = %v, want ErrUnknownKEK", err)
		}
	})
}

func TestRotateRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := mustKeys(t)
		v := mustVault(t, db, keys)
		id := mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact", Data: []byte("x")})

		if _, err := v.Rotate(ctx, mustKeys(t), vault.RotateOptions{}); err == nil || !strings.Contains(err.Error(), "index key") {
			t.Errorf("Rotate to keys with another index key = %v, want an error about the index key", err)
		}
		sameID, err := vault.ParseKeys([]byte(keyText("kek "+keys.ActiveKEK()+" "+randomKey(), indexLine(t, keys))))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Rotate(ctx, sameID, vault.RotateOptions{}); err == nil || !strings.Contains(err.Error(), keys.ActiveKEK()) {
			t.Errorf("Rotate to a different key under the same id = %v, want an error naming it", err)
		}

		// A vault whose keys cannot unwrap a record stops, leaving the
		// record as it was.
		lost, err := vault.ParseKeys([]byte(keyText("kek lost "+randomKey(), indexLine(t, keys))))
		if err != nil {
			t.Fatal(err)
		}
		stranger := mustVault(t, db, lost)
		next, err := lost.WithNewKEK()
		if err != nil {
			t.Fatal(err)
		}
		if n, err := stranger.Rotate(ctx, next, vault.RotateOptions{}); !errors.Is(err, vault.ErrUnknownKEK) || n != 0 {
			t.Errorf("Rotate without the record's KEK = %d, %v; want 0, ErrUnknownKEK", n, err)
		}
		if rec, err := v.Open(ctx, id); err != nil || string(rec.Data) != "x" {
			t.Errorf("record after the failed rotation: %q, %v", rec.Data, err)
		}
	})
}

// TestRotateWhileSealing seals records while a rotation runs: once Rotate
// has returned, no record is left under the old KEK.
func TestRotateWhileSealing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := mustKeys(t)
		v := mustVault(t, db, keys)
		for range 20 {
			mustSeal(t, v, vault.Item{Kind: "contact", Form: "contact"})
		}
		next, err := keys.WithNewKEK()
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				<-start
				for range 10 {
					if _, err := v.Seal(ctx, vault.Item{Kind: "contact", Form: "contact", Expires: time.Now().Add(month)}); err != nil {
						t.Error(err)
					}
				}
			})
		}
		close(start)
		if _, err := v.Rotate(ctx, next, vault.RotateOptions{BatchSize: 4}); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		inv, err := v.Report(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(inv.KEKs) != 1 || inv.KEKs[next.ActiveKEK()] != 60 {
			t.Errorf("after rotating while sealing, KEKs = %v; want all 60 under %s", inv.KEKs, next.ActiveKEK())
		}
	})
}
