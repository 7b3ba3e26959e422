#!/usr/bin/env bash
# Loads one page of the demo site with wrk, gzip accepted, as served by
# nginx (Debian's package, gzip on as Debian ships it), by `noren demo` and
# by a bare net/http handler sending the same file compressed once
# (scripts/bench/bare -page), one after the other in the same run, and
# prints requests per second, latency percentiles, the size of one response
# and Noren's share of nginx's throughput.
#
# Usage: scripts/bench/static.sh [DURATION] [ROUNDS]
#   DURATION  wrk's -d (default 15s)
#   ROUNDS    how many times the three are measured in turn (default 1)
# Environment:
#   NOREN   a noren binary to measure instead of one built from the tree
#   PAGE    the path loaded (default /en/)
#   PORT    the first of three loopback ports used (default 18180)
#
# nginx is installed with apt-get when it is missing and the script runs as
# root. Every server the script starts is stopped when it ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-15s}
rounds=${2:-1}
page=${PAGE:-/en/}
port=${PORT:-18180}
nginx_port=$port noren_port=$((port + 1)) bare_port=$((port + 2))

command -v wrk >/dev/null || { echo "static.sh: install wrk (apt-get install wrk)" >&2; exit 1; }
if ! command -v nginx >/dev/null; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "static.sh: nginx is missing; run as root to install it, or apt-get install nginx" >&2
		exit 1
	fi
	# RUNLEVEL=1 keeps the package from starting its own nginx on port 80.
	RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx >/dev/null
fi
for p in "$nginx_port" "$noren_port" "$bare_port"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "static.sh: port $p is in use; set PORT to another first port" >&2
		exit 1
	fi
done

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# nginx's workers run as an unprivileged user when started by root: they
# must be able to read the copy of the site.
chmod 755 "$work"
cp -R web/demo/site "$work/site"
chmod -R a+rX "$work/site"

if [ -n "${NOREN:-}" ]; then
	cp "$NOREN" "$work/noren"
else
	go build -o "$work/noren" ./cmd/noren
fi
go build -o "$work/bare" ./scripts/bench/bare

user=""
[ "$(id -u)" -eq 0 ] && user="user nobody nogroup;"
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
$user
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000;
	access_log $work/nginx/access.log;
	gzip on;
	client_body_temp_path $work/nginx/body;
	proxy_temp_path $work/nginx/proxy;
	fastcgi_temp_path $work/nginx/fastcgi;
	uwsgi_temp_path $work/nginx/uwsgi;
	scgi_temp_path $work/nginx/scgi;
	server {
		listen 127.0.0.1:$nginx_port;
		root $work/site;
	}
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
"$work/bare" -addr "127.0.0.1:$bare_port" -page "$work/site${page%/}/index.html" &
pids+=($!)
"$work/noren" demo --addr "127.0.0.1:$noren_port" --data "$work/data" --sample-events 0 >"$work/noren.log" 2>&1 &
noren=$!
pids+=($noren)

for p in "$nginx_port" "$noren_port" "$bare_port"; do
	for _ in $(seq 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$p$page" 2>/dev/null && break
		sleep 0.1
	done
	curl -fsS -o /dev/null "http://127.0.0.1:$p$page" || { echo "static.sh: nothing answers on port $p" >&2; exit 1; }
done

report='
done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("non-2xx %d, socket errors %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
'
printf '%s\n' "$report" >"$work/report.lua"

# run loads one server and prints its figures; the requests per second are
# kept in $work/rps.NAME for the ratio.
run() {
	local name=$1 url=$2
	local size
	size=$(curl -fsS -H 'Accept-Encoding: gzip' "$url" | wc -c)
	echo "== $name ($url, $size bytes gzip)"
	wrk -t2 -c64 -d"$duration" -H 'Accept-Encoding: gzip' -s "$work/report.lua" "$url" |
		grep -E '^(requests/s|p50|non-2xx)' | tee "$work/out"
	awk '/^requests\/s/ {print $2}' "$work/out" >"$work/rps.$name"
}

for round in $(seq "$rounds"); do
	[ "$rounds" -gt 1 ] && echo "## round $round"
	run nginx "http://127.0.0.1:$nginx_port$page"
	run noren "http://127.0.0.1:$noren_port$page"
	run bare "http://127.0.0.1:$bare_port$page"
	awk -v n="$(cat "$work/rps.noren")" -v g="$(cat "$work/rps.nginx")" -v b="$(cat "$work/rps.bare")" \
		'BEGIN {printf "noren/nginx %.0f %%, noren/bare %.0f %%, nginx/bare %.0f %%\n", 100*n/g, 100*n/b, 100*g/b}'
done
echo "noren peak RSS $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$noren/status")"
