#!/usr/bin/env bash
# Loads the CSP report endpoint of `noren serve` (the demo's manifest and
# site, SQLite, the per-network limit off, search and scans off) with wrk
# and csp-report.lua, and a bare net/http handler with the same load, in
# the same run; prints
# requests per second, latency percentiles, non-2xx answers and Noren's
# resident memory after a warm-up and after each further round, to show
# that a million reports do not grow it.
#
# Usage: scripts/bench/csp-report.sh [DURATION] [ROUNDS]
#   DURATION  wrk's -d for the baseline, the warm-up and each round (default 30s)
#   ROUNDS    rounds after the warm-up (default 4)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-30s}
rounds=${2:-4}
command -v wrk >/dev/null || { echo "csp-report.sh: install wrk (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/noren" ./cmd/noren
go build -o "$work/bare" ./scripts/bench/bare

cat scripts/bench/csp-report.lua scripts/bench/summary.lua >"$work/load.lua"

run() { wrk -t2 -c64 -d"$duration" -s "$work/load.lua" "$@" | grep -E '^(requests|p[0-9]|non-2xx)'; }
rss() { awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/"$1"/status; }

"$work/bare" -addr 127.0.0.1:18091 &
pids+=($!)
NOREN_CSP_REPORTS_RATE_LIMIT=0 NOREN_SITE_DOMAIN=demo.localhost NOREN_SEARCH_ENABLED=false NOREN_SCAN_ENABLED=false NOREN_LOG_LEVEL=warn \
	"$work/noren" serve --listen 127.0.0.1:18081 --data "$work/data" --manifest web/demo/manifest.yaml \
	--site-root web/demo/site >"$work/noren.log" 2>&1 &
noren=$!
pids+=($noren)
for _ in $(seq 100); do
	curl -fsS -o /dev/null http://127.0.0.1:18081/healthz 2>/dev/null && break
	sleep 0.1
done

echo "== bare net/http handler (POST /api/event)"
run http://127.0.0.1:18091 -- /api/event
echo "== noren serve, POST /api/csp-report: warm-up"
echo "RSS at start $(rss "$noren")"
run http://127.0.0.1:18081
echo "RSS after the warm-up $(rss "$noren")"
for i in $(seq "$rounds"); do
	echo "== round $i"
	run http://127.0.0.1:18081
	echo "RSS $(rss "$noren")"
done
sleep 6 # one flush period
echo "RSS at rest $(rss "$noren"), peak $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$noren/status)"
curl -fsS http://127.0.0.1:18081/metrics | grep -E '^noren_csp_|^noren_job_duration_seconds_(sum|count)\{job="csp-reports-flush"\}' || true
kill -TERM "$noren"
wait "$noren" || true
echo "rows in csp_reports: $(sqlite3 "$work/data/noren.db" 'SELECT count(*), sum(count) FROM csp_reports' 2>/dev/null || echo '(sqlite3 not installed)')"
