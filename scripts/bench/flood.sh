#!/usr/bin/env bash
# Floods the analytics collector for a minute while visitors record consent
# choices, send the contact form and read a page, then watches the memory
# for five more minutes; prints the latencies, the collector's answers and
# the resident memory. It runs the test TestFloodSparesConsentAndContact of
# cmd/noren for longer: on the demo (SQLite) with the default per-network
# limit and without it (the collector's full rate), and on noren serve with
# PostgreSQL without it (needs NOREN_TEST_POSTGRES, as scripts/test.sh sets).
#
# Usage: scripts/bench/flood.sh [DURATION] [AFTER]
#   DURATION  how long to flood (default 60s)
#   AFTER     how long to watch memory after a full-rate flood (default 5m)
# With wrk installed, the flood is ../shared/bench/collector.lua under wrk
# (-t2 -c64); otherwise the test's own flood.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-60s}
after=${2:-5m}
lua=../shared/bench/collector.lua
run() {
	echo "== $1"
	shift
	env "$@" NOREN_FLOOD_DURATION="$duration" \
		go test -count=1 -timeout 30m -run "TestFloodSparesConsentAndContact/$backend" -v ./cmd/noren |
		grep -E 'flood_test.go|noren_analytics|Requests/sec|Latency|Non-2xx|requests in|^ *(ok|FAIL|---)'
}
wrk=()
if command -v wrk >/dev/null && [ -f "$lua" ]; then
	wrk=(NOREN_FLOOD_WRK="$(pwd)/$lua")
fi
backend=sqlite run "demo (SQLite), default per-network limit" "${wrk[@]}" NOREN_FLOOD_AFTER=0s
backend=sqlite run "demo (SQLite), no per-network limit" "${wrk[@]}" NOREN_FLOOD_RATE_LIMIT=0 NOREN_FLOOD_AFTER="$after"
backend=postgres run "noren serve (PostgreSQL), no per-network limit" "${wrk[@]}" NOREN_FLOOD_RATE_LIMIT=0 NOREN_FLOOD_AFTER="$after"
