package vault

import (
	"context"
	"fmt"
	"time"
)

// Inventory is what the vault holds, without anything personal: the
// numbers behind a report on the records kept.
type Inventory struct {
	// Groups counts records per form and kind, ordered by form, then kind.
	Groups []InventoryGroup
	// Live, Shredded and PastExpiry are the totals of Groups.
	Live, Shredded, PastExpiry int
	// Oldest is the oldest live record; its ID is "" when there is none.
	Oldest Meta
	// KEKs counts live records per id of the KEK that wraps their data
	// key. A KEK may be discarded once it has no entry here.
	KEKs map[string]int
}

// InventoryGroup counts the records of one form and kind.
type InventoryGroup struct {
	Form, Kind string
	// Live counts records not shredded, of which PastExpiry have an expiry
	// time at or before the report's time: ShredExpired has not run since.
	Live, Shredded, PastExpiry int
}

// Report takes stock of the vault as of now.
func (v *Vault) Report(ctx context.Context, now time.Time) (Inventory, error) {
	inv := Inventory{KEKs: make(map[string]int)}
	rows, err := v.db.QueryContext(ctx, v.q["report-groups"], now)
	if err != nil {
		return Inventory{}, fmt.Errorf("vault: report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g InventoryGroup
		if err := rows.Scan(&g.Form, &g.Kind, &g.Live, &g.Shredded, &g.PastExpiry); err != nil {
			return Inventory{}, fmt.Errorf("vault: report: %w", err)
		}
		inv.Groups = append(inv.Groups, g)
		inv.Live += g.Live
		inv.Shredded += g.Shredded
		inv.PastExpiry += g.PastExpiry
	}
	if err := rows.Err(); err != nil {
		return Inventory{}, fmt.Errorf("vault: report: %w", err)
	}

	oldest, err := v.metas(ctx, v.db, "report-oldest")
	if err != nil {
		return Inventory{}, fmt.Errorf("vault: report oldest record: %w", err)
	}
	if len(oldest) > 0 {
		inv.Oldest = oldest[0]
	}

	keks, err := v.db.QueryContext(ctx, v.q["report-keks"])
	if err != nil {
		return Inventory{}, fmt.Errorf("vault: report keys: %w", err)
	}
	defer keks.Close()
	for keks.Next() {
		var (
			id string
			n  int
		)
		if err := keks.Scan(&id, &n); err != nil {
			return Inventory{}, fmt.Errorf("vault: report keys: %w", err)
		}
		inv.KEKs[id] = n
	}
	if err := keks.Err(); err != nil {
		return Inventory{}, fmt.Errorf("vault: report keys: %w", err)
	}
	return inv, nil
}
