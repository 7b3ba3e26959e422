#!/usr/bin/env bash
# Loads the analytics collector of `noren demo` with wrk and the standard
# collector script, then a bare net/http handler in the same way, and prints
# requests per second, latency percentiles, non-2xx answers and Noren's peak
# resident memory.
#
# Usage: scripts/bench/collector.sh [LUA] [DURATION]
#   LUA       the wrk script (default ../shared/bench/collector.lua)
#   DURATION  wrk's -d (default 15s)
set -euo pipefail
cd "$(dirname "$0")/../.."
lua=${1:-../shared/bench/collector.lua}
duration=${2:-15s}
[ -f "$lua" ] || { echo "collector.sh: no wrk script at $lua" >&2; exit 1; }
command -v wrk >/dev/null || { echo "collector.sh: install wrk (apt-get install wrk)" >&2; exit 1; }

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

cat "$lua" scripts/bench/summary.lua >"$work/load.lua"

run() { wrk -t2 -c64 -d"$duration" -s "$work/load.lua" "$1" | grep -E '^(requests|p[0-9]|non-2xx)'; }

"$work/bare" -addr 127.0.0.1:18090 &
pids+=($!)
"$work/noren" demo --addr 127.0.0.1:18080 --data "$work/data" --trusted-proxies 127.0.0.0/8 --rate-limit 0 --sample-events 0 --log-level warn >"$work/noren.log" 2>&1 &
noren=$!
pids+=($noren)
for _ in $(seq 100); do
	curl -fsS -o /dev/null http://127.0.0.1:18080/healthz 2>/dev/null && break
	sleep 0.1
done

echo "== bare net/http handler"
run http://127.0.0.1:18090
echo "== noren demo collector"
run http://127.0.0.1:18080
echo "peak RSS $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$noren/status)"
kill -TERM "$noren"
wait "$noren" || true
stored=$("$work/noren" analytics query -database "sqlite:$work/data/noren.db" -site demo.localhost -range 1 -zone UTC 2>/dev/null | head -3 || true)
echo "stored after SIGTERM:"
echo "$stored"
