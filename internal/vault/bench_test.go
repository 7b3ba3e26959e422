package vault_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/noren-web/noren/internal/store/storetest"
	"github.com/noren-web/noren/internal/vault"
)

// benchItem is the size of a typical contact-form submission.
var benchItem = vault.Item{
	Kind: "contact", Form: "contact", Subject: "taro@example.jp",
	Data: bytes.Repeat([]byte("お問い合わせの本文。"), 64),
}

func BenchmarkSeal(b *testing.B) {
	v := mustVault(b, storetest.SQLite(b), mustKeys(b))
	item := benchItem
	item.Expires = time.Now().Add(month)
	ctx := context.Background()
	b.SetBytes(int64(len(item.Data)))
	for b.Loop() {
		if _, err := v.Seal(ctx, item); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	v := mustVault(b, storetest.SQLite(b), mustKeys(b))
	id := mustSeal(b, v, benchItem)
	ctx := context.Background()
	b.SetBytes(int64(len(benchItem.Data)))
	for b.Loop() {
		if _, err := v.Open(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
