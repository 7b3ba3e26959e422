#!/bin/sh
# Runs a throwaway ClickHouse server for the analytics storage tests.
#
# Usage:
#   scripts/clickhouse.sh [start] [DIR]   write a configuration (once) and start
#                                         the server, then print the export line
#   scripts/clickhouse.sh stop [DIR]      stop the server (the data stays in DIR)
#   scripts/clickhouse.sh env [DIR]       print the export line only
#
#   eval "$(scripts/clickhouse.sh)"       start and export in one step
#
# DIR defaults to $TMPDIR/noren-clickhouse-$PORT. The native port comes from
# NOREN_CH_PORT (default 9001) and the HTTP port from NOREN_CH_HTTP_PORT
# (default 8124), so the server never collides with a system one on 9000 and
# 8123. CH_SERVER overrides the clickhouse-server binary.
#
# The server listens on 127.0.0.1 only, opens no interserver port, lets the
# default user in without a password and keeps its caches small: it is for
# tests, never for data that matters. Progress goes to stderr; stdout carries
# only the export line so it can be eval'd.
set -eu

mode=start
case "${1:-}" in
start | stop | env)
	mode=$1
	shift
	;;
-h | --help)
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 0
	;;
esac

port=${NOREN_CH_PORT:-9001}
http_port=${NOREN_CH_HTTP_PORT:-8124}
dir=${1:-${TMPDIR:-/tmp}/noren-clickhouse-$port}
dsn="clickhouse://127.0.0.1:$port/default"

say() { printf 'clickhouse.sh: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

if [ "$mode" = env ]; then
	printf 'export NOREN_TEST_CLICKHOUSE=%s\n' "$dsn"
	exit 0
fi

server=${CH_SERVER:-$(command -v clickhouse-server || true)}
[ -n "$server" ] && [ -x "$server" ] ||
	die "no clickhouse-server found; install it with: apt-get install -y clickhouse-server (or set CH_SERVER)"

pidfile=$dir/clickhouse.pid
running() {
	[ -f "$pidfile" ] && pid=$(cat "$pidfile") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

if [ "$mode" = stop ]; then
	if running; then
		say "stopping the server in $dir (pid $pid)"
		kill "$pid"
		tries=0
		while kill -0 "$pid" 2>/dev/null; do
			tries=$((tries + 1))
			[ "$tries" -lt 300 ] || die "the server (pid $pid) did not stop"
			sleep 0.1
		done
		rm -f "$pidfile"
	else
		say "no server running in $dir"
	fi
	exit 0
fi

mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas" "$dir/log"
dir=$(cd "$dir" && pwd)
pidfile=$dir/clickhouse.pid

# Memory is capped per query and the caches are small, because the
# machines running the tests are shared. The server's time zone is UTC; the
# queries name every zone they use anyway.
cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/clickhouse-server.log</log>
        <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$port</tcp_port>
    <http_port>$http_port</http_port>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>64</max_concurrent_queries>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
EOF

cat >"$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <max_memory_usage_for_all_queries>4000000000</max_memory_usage_for_all_queries>
            <max_bytes_before_external_group_by>800000000</max_bytes_before_external_group_by>
            <max_threads>2</max_threads>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
                <ip>::1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF

# ClickHouse 18.16 runs as whoever starts it, root included, and keeps
# everything it writes under DIR.
if running; then
	say "server in $dir already running (pid $pid)"
else
	say "starting on 127.0.0.1:$port (HTTP $http_port)"
	rm -f "$pidfile"
	"$server" --config-file="$dir/config.xml" --pid-file="$pidfile" --daemon >/dev/null 2>&1 ||
		die "the server did not start; see $dir/log/clickhouse-server.err.log"
fi

# The HTTP interface answers "Ok." once the server accepts queries.
tries=0
until [ "$(curl -fsS "http://127.0.0.1:$http_port/ping" 2>/dev/null)" = "Ok." ]; do
	tries=$((tries + 1))
	if [ "$tries" -ge 300 ]; then
		tail -n 20 "$dir/log/clickhouse-server.err.log" >&2 2>/dev/null || true
		die "the server on port $port does not answer; is the port taken?"
	fi
	sleep 0.1
done

printf 'export NOREN_TEST_CLICKHOUSE=%s\n' "$dsn"
