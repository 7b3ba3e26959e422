#!/usr/bin/env bash
# Runs every test: installs what the tests need from Debian's packages when it
# is missing (PostgreSQL, ClickHouse, and Chromium and npm for the browser
# tests), installs axe-core for their accessibility checks,
# starts a throwaway PostgreSQL and ClickHouse on loopback, and runs go vet,
# staticcheck and go test: every test, and alongside, the short tests of the
# packages that run code concurrently under the race detector.
#
# Usage: scripts/test.sh [--full] [go test flags]
# --full checks every case of the tests that otherwise check a sample of
# them (NOREN_TEST_FULL), as a nightly run does.
set -euo pipefail
cd "$(dirname "$0")/.."

# staticcheck's version, pinned here alone.
staticcheck=honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The packages that run code concurrently: their -short tests run again
# under the race detector. -short leaves out what checks no concurrency and
# takes long under it: browser tests and the oracles over generated events.
race=(./internal/server ./internal/site ./internal/analytics ./internal/consent ./internal/search/...
  ./internal/contact ./internal/mail ./internal/mail/outbox ./internal/jobs ./internal/ratelimit ./internal/scan/...
  ./internal/csp/...)

flags=()
for arg in "$@"; do
  case "$arg" in
  --full) export NOREN_TEST_FULL=1 ;;
  *) flags+=("$arg") ;;
  esac
done

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -n "${CH_SERVER:-}" ] || command -v clickhouse-server >/dev/null 2>&1 || need+=(clickhouse-server)
# The browser tests look for the same names (internal/browsertest).
have_browser() {
  [ -n "${NOREN_CHROMIUM:-}" ] && return 0
  for b in chromium chromium-browser google-chrome; do
    command -v "$b" >/dev/null 2>&1 && return 0
  done
  return 1
}
have_browser || need+=(chromium)
# npm installs axe-core for the accessibility checks of the browser tests.
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test.sh: please install: ${need[*]} (apt-get install ${need[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# axe-core, at the version scripts/a11y pins, goes to a cache folder outside
# the repository (internal/browsertest looks for it there); it is installed
# again only when the pinned version changes.
axe_dir="${XDG_CACHE_HOME:-$HOME/.cache}/noren/a11y"
if ! cmp -s scripts/a11y/package-lock.json "$axe_dir/package-lock.json" ||
  [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$axe_dir"
  cp scripts/a11y/package.json scripts/a11y/package-lock.json "$axe_dir/"
  npm ci --prefix "$axe_dir" --ignore-scripts --no-audit --no-fund --loglevel=error
fi
export NOREN_AXE="$axe_dir/node_modules/axe-core/axe.min.js"

trap 'sh scripts/postgres.sh stop >/dev/null 2>&1 || true; sh scripts/clickhouse.sh stop >/dev/null 2>&1 || true; sh scripts/clickhouse.sh --cluster stop >/dev/null 2>&1 || true' EXIT
eval "$(sh scripts/postgres.sh start)"
eval "$(sh scripts/clickhouse.sh start)"
# The two-shard cluster the sharded store and the fleet tests run on.
eval "$(sh scripts/clickhouse.sh --cluster start)"
export NOREN_REQUIRE_POSTGRES=1 NOREN_REQUIRE_CLICKHOUSE=1
# With a browser installed above, a browser test that cannot find or start
# one fails instead of skipping.
export NOREN_REQUIRE_BROWSER=1

go vet ./...
go run "$staticcheck" ./...
# The race run goes alongside the full run: most of the full run's time is
# spent waiting on browsers, servers and databases, which leaves the
# processor to the race detector. Its output follows the full run's.
race_log=$(mktemp)
trap 'rm -f "$race_log"; sh scripts/postgres.sh stop >/dev/null 2>&1 || true; sh scripts/clickhouse.sh stop >/dev/null 2>&1 || true; sh scripts/clickhouse.sh --cluster stop >/dev/null 2>&1 || true' EXIT
go test -count=1 -timeout 15m -race -short "${flags[@]}" "${race[@]}" >"$race_log" 2>&1 &
race_pid=$!
status=0
go test -count=1 -timeout 15m "${flags[@]}" ./... || status=$?
echo "--- the short tests under the race detector:"
wait "$race_pid" || status=$?
cat "$race_log"
exit "$status"
