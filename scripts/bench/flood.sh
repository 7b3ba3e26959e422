#!/usr/bin/env bash
# Floods the demo's analytics collector for a minute while visitors record
# consent choices, send the contact form and read a page, then watches the
# memory for five more minutes; prints the latencies, the collector's
# answers and the resident memory (the test TestFloodSparesConsentAndContact
# in cmd/noren, run long).
#
# Usage: scripts/bench/flood.sh [DURATION] [AFTER]
#   DURATION  how long to flood (default 60s)
#   AFTER     how long to watch memory afterwards (default 5m)
# With wrk installed, the flood is ../shared/bench/collector.lua under wrk
# (-t2 -c64), once with the default per-network limit and once without it
# (the collector's full rate); otherwise the test's own flood.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-60s}
after=${2:-5m}
lua=../shared/bench/collector.lua
run() {
	echo "== $1"
	shift
	env "$@" NOREN_FLOOD_DURATION="$duration" NOREN_FLOOD_AFTER="$after" \
		go test -count=1 -timeout 30m -run TestFloodSparesConsentAndContact -v ./cmd/noren |
		grep -E 'flood_test.go|wrk|Requests/sec|Latency|Non-2xx|requests in|^(ok|FAIL|---)'
}
if command -v wrk >/dev/null && [ -f "$lua" ]; then
	run "wrk flood, default per-network limit" NOREN_FLOOD_WRK="$(pwd)/$lua"
	run "wrk flood, no per-network limit (the collector's full rate)" NOREN_FLOOD_WRK="$(pwd)/$lua" NOREN_FLOOD_RATE_LIMIT=0
else
	run "the test's own flood"
fi
