package ratelimit

import (
	"testing"
	"time"
)

func TestKeyer(t *testing.T) {
	monday := time.Date(2026, 12, 7, 23, 59, 0, 0, time.UTC)
	tuesday := monday.Add(2 * time.Minute)
	value := []byte("203.0.113.0/24")
	var k keyer

	first, _, ok, _ := k.keys(t.Context(), monday, value)
	if ok {
		t.Error("a key of the day before on the first day")
	}
	if again := k.key(monday.Add(-time.Hour), value); again != first {
		t.Error("the key changed within a day")
	}
	if other := k.key(monday, []byte("198.51.100.0/24")); other == first {
		t.Error("two values have one key")
	}
	if string(first[:len(value)]) == string(value) {
		t.Error("the key holds the value")
	}

	today, yesterday, ok, _ := k.keys(t.Context(), tuesday, value)
	if today == first {
		t.Error("the key did not change with the day")
	}
	if !ok || yesterday != first {
		t.Error("the day before's key is not kept through the next day")
	}
	// Two days on, nothing of Monday is left.
	if _, yesterday, ok, _ := k.keys(t.Context(), tuesday.Add(day), value); !ok || yesterday != today {
		t.Error("Tuesday's key is not Wednesday's day before")
	}
	if _, _, ok, _ := k.keys(t.Context(), tuesday.Add(5*day), value); ok {
		t.Error("a day before's key kept after days without use")
	}
}
