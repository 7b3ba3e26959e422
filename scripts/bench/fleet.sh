#!/usr/bin/env bash
# Loads the analytics collector of one `noren serve` and of two behind an
# nginx round-robin proxy, all on one PostgreSQL database and one ClickHouse
# database as a fleet runs, with wrk and the standard collector script, in
# one run. Baselines in the same run: a bare net/http handler, direct and
# behind the same nginx, and one Noren behind nginx. Prints requests per
# second, latency percentiles and non-2xx answers of each case.
#
# Usage: scripts/bench/fleet.sh [LUA] [DURATION]
#   LUA       the wrk script (default ../shared/bench/collector.lua)
#   DURATION  wrk's -d (default 15s)
#
# Needs NOREN_TEST_POSTGRES and NOREN_TEST_CLICKHOUSE as scripts/postgres.sh
# and scripts/clickhouse.sh print them, wrk, nginx, psql and
# clickhouse-client. Creates a database on each server and drops it at the
# end.
set -euo pipefail
cd "$(dirname "$0")/../.."
lua=${1:-../shared/bench/collector.lua}
duration=${2:-15s}
die() {
	echo "fleet.sh: $*" >&2
	exit 1
}
[ -f "$lua" ] || die "no wrk script at $lua"
for c in wrk nginx psql clickhouse-client curl; do
	command -v "$c" >/dev/null || die "install $c"
done
[ -n "${NOREN_TEST_POSTGRES:-}" ] || die 'run eval "$(scripts/postgres.sh start)" first'
[ -n "${NOREN_TEST_CLICKHOUSE:-}" ] || die 'run eval "$(scripts/clickhouse.sh start)" first'

work=$(mktemp -d)
pids=()
name=noren_bench_fleet_$$
pg=${NOREN_TEST_POSTGRES%%\?*}
pg_server=${pg%/*}
pg_dsn="$pg_server/$name?sslmode=disable"
ch_hostport=${NOREN_TEST_CLICKHOUSE#clickhouse://}
ch_hostport=${ch_hostport%%/*}
ch_port=${ch_hostport##*:}
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	psql -q "$pg_server/postgres?sslmode=disable" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
	clickhouse-client --port "$ch_port" -q "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

psql -q "$pg_server/postgres?sslmode=disable" -c "CREATE DATABASE $name" >/dev/null
clickhouse-client --port "$ch_port" -q "CREATE DATABASE $name"

go build -o "$work/noren" ./cmd/noren
go build -o "$work/bare" ./scripts/bench/bare
"$work/noren" keys generate "$work/vault.keys" >/dev/null
cat "$lua" scripts/bench/summary.lua >"$work/load.lua"

base=18180
bare=$base noren0=$((base + 1)) noren1=$((base + 2))
proxy_bare=$((base + 3)) proxy_one=$((base + 4)) proxy_two=$((base + 5))

"$work/bare" -addr "127.0.0.1:$bare" &
pids+=($!)

serve() { # serve PORT DATA
	NOREN_DATABASE=$pg_dsn NOREN_SITE_DOMAIN=demo.localhost NOREN_LOG_LEVEL=warn \
		NOREN_ANALYTICS_BACKEND=clickhouse NOREN_ANALYTICS_CLICKHOUSE_URL="clickhouse://$ch_hostport/$name" \
		NOREN_ANALYTICS_RATE_LIMIT=0 NOREN_CONFIG= \
		"$work/noren" serve --listen "127.0.0.1:$1" --data "$2" --manifest web/demo/manifest.yaml \
		--site-root web/demo/site --trusted-proxies 127.0.0.0/8 --vault-key-file "$work/vault.keys" \
		>"$2.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 300); do
		curl -fsS -o /dev/null "http://127.0.0.1:$1/healthz" 2>/dev/null && return
		sleep 0.1
	done
	cat "$2.log" >&2
	die "noren on port $1 did not start"
}
# One after the other: the first brings the schema up to date.
serve "$noren0" "$work/data0"
serve "$noren1" "$work/data1"

mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	fastcgi_temp_path $work/nginx/fastcgi;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	upstream bare { server 127.0.0.1:$bare; keepalive 64; }
	upstream one { server 127.0.0.1:$noren0; keepalive 64; }
	upstream two { server 127.0.0.1:$noren0; server 127.0.0.1:$noren1; keepalive 64; }
	server {
		listen 127.0.0.1:$proxy_bare;
		location / { proxy_pass http://bare; proxy_http_version 1.1; proxy_set_header Connection ""; }
	}
	server {
		listen 127.0.0.1:$proxy_one;
		location / {
			proxy_pass http://one; proxy_http_version 1.1; proxy_set_header Connection "";
			proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		}
	}
	server {
		listen 127.0.0.1:$proxy_two;
		location / {
			proxy_pass http://two; proxy_http_version 1.1; proxy_set_header Connection "";
			proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		}
	}
}
EOF
# nginx's workers run as an unprivileged user when started by root: they
# must be able to reach the configuration's folder.
chmod 755 "$work" "$work/nginx"
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 0.5

run() { # run LABEL PORT
	echo "== $1"
	wrk -t2 -c64 -d"$duration" -s "$work/load.lua" "http://127.0.0.1:$2" | grep -E '^(requests|p[0-9]|non-2xx)'
}
run "bare net/http handler" "$bare"
run "bare handler behind nginx" "$proxy_bare"
run "one noren serve" "$noren0"
run "one noren serve behind nginx" "$proxy_one"
run "two noren serve behind nginx (round robin)" "$proxy_two"
echo "events stored: $(clickhouse-client --port "$ch_port" -q "SELECT count() FROM $name.analytics_events")"
