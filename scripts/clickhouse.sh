#!/bin/sh
# Runs a throwaway ClickHouse server, or a two-shard cluster of them, for
# the analytics storage tests.
#
# Usage:
#   scripts/clickhouse.sh [--cluster] [start] [DIR]   write a configuration
#                                         (once) and start the server(s),
#                                         then print the export line
#   scripts/clickhouse.sh [--cluster] stop [DIR]      stop them (the data
#                                         stays in DIR)
#   scripts/clickhouse.sh [--cluster] env [DIR]       print the export line
#
#   eval "$(scripts/clickhouse.sh)"       start and export in one step
#
# One server: DIR defaults to $TMPDIR/noren-clickhouse-$PORT. The native
# port comes from NOREN_CH_PORT (default 9001) and the HTTP port from
# NOREN_CH_HTTP_PORT (default 8124), so the server never collides with a
# system one on 9000 and 8123. It exports NOREN_TEST_CLICKHOUSE.
#
# --cluster: two servers, the two shards (one replica each) of a cluster
# named noren in each server's remote_servers, in DIR/shard1 and
# DIR/shard2; DIR defaults to $TMPDIR/noren-clickhouse-cluster-$PORT. The
# shards listen on NOREN_CH_CLUSTER_PORT and the port after it (default
# 9002 and 9003), HTTP on NOREN_CH_CLUSTER_HTTP_PORT and the port after it
# (default 8125 and 8126). It exports NOREN_TEST_CLICKHOUSE_CLUSTER: the
# cluster's name, then one URL per shard, separated by spaces. No
# interserver port is opened: without replicas the shards never talk to
# each other; the server a query reaches connects to the other's native
# port as a client.
#
# CH_SERVER overrides the clickhouse-server binary. The servers listen on
# 127.0.0.1 only, let the default user in without a password and keep
# their caches small: they are for tests, never for data that matters.
# Progress goes to stderr; stdout carries only the export line so it can
# be eval'd.
set -eu

cluster=
mode=start
while [ $# -gt 0 ]; do
	case "$1" in
	--cluster) cluster=1 ;;
	start | stop | env) mode=$1 ;;
	-h | --help)
		sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//' >&2
		exit 0
		;;
	*) break ;;
	esac
	shift
done

if [ -n "$cluster" ]; then
	port=${NOREN_CH_CLUSTER_PORT:-9002}
	http_port=${NOREN_CH_CLUSTER_HTTP_PORT:-8125}
	dir=${1:-${TMPDIR:-/tmp}/noren-clickhouse-cluster-$port}
	port2=$((port + 1))
	http_port2=$((http_port + 1))
	export_line="export NOREN_TEST_CLICKHOUSE_CLUSTER='noren clickhouse://127.0.0.1:$port/default clickhouse://127.0.0.1:$port2/default'"
else
	port=${NOREN_CH_PORT:-9001}
	http_port=${NOREN_CH_HTTP_PORT:-8124}
	dir=${1:-${TMPDIR:-/tmp}/noren-clickhouse-$port}
	export_line="export NOREN_TEST_CLICKHOUSE=clickhouse://127.0.0.1:$port/default"
fi

say() { printf 'clickhouse.sh: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

if [ "$mode" = env ]; then
	printf '%s\n' "$export_line"
	exit 0
fi

# running DIR: whether the server of DIR runs; sets pid.
running() {
	[ -f "$1/clickhouse.pid" ] && pid=$(cat "$1/clickhouse.pid") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# stop_server DIR
stop_server() {
	if running "$1"; then
		say "stopping the server in $1 (pid $pid)"
		kill "$pid"
		tries=0
		while kill -0 "$pid" 2>/dev/null; do
			tries=$((tries + 1))
			[ "$tries" -lt 300 ] || die "the server (pid $pid) did not stop"
			sleep 0.1
		done
		rm -f "$1/clickhouse.pid"
	else
		say "no server running in $1"
	fi
}

if [ "$mode" = stop ]; then
	if [ -n "$cluster" ]; then
		stop_server "$dir/shard1"
		stop_server "$dir/shard2"
	else
		stop_server "$dir"
	fi
	exit 0
fi

server=${CH_SERVER:-$(command -v clickhouse-server || true)}
[ -n "$server" ] && [ -x "$server" ] ||
	die "no clickhouse-server found; install it with: apt-get install -y clickhouse-server (or set CH_SERVER)"

# configure DIR PORT HTTP_PORT REMOTE_SERVERS PROFILE writes the server's
# configuration into DIR, which it creates; REMOTE_SERVERS is XML for the
# <remote_servers> element and PROFILE further settings of the default
# profile, or empty.
configure() {
	mkdir -p "$1/data" "$1/tmp" "$1/user_files" "$1/format_schemas" "$1/log"
	d=$(cd "$1" && pwd)
	# Memory is capped per query and the caches are small, because the
	# machines running the tests are shared. The server's time zone is
	# UTC; the queries name every zone they use anyway.
	cat >"$d/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$d/log/clickhouse-server.log</log>
        <errorlog>$d/log/clickhouse-server.err.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>$2</tcp_port>
    <http_port>$3</http_port>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>64</max_concurrent_queries>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <mark_cache_size>67108864</mark_cache_size>
    <path>$d/data/</path>
    <tmp_path>$d/tmp/</tmp_path>
    <user_files_path>$d/user_files/</user_files_path>
    <format_schema_path>$d/format_schemas/</format_schema_path>
    <users_config>$d/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>$4
</yandex>
XML

	cat >"$d/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <max_memory_usage_for_all_queries>4000000000</max_memory_usage_for_all_queries>
            <max_bytes_before_external_group_by>800000000</max_bytes_before_external_group_by>
            <max_threads>2</max_threads>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>$5
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
XML
}

# launch DIR PORT HTTP_PORT starts the server of DIR unless it runs.
# ClickHouse 18.16 runs as whoever starts it, root included, and keeps
# everything it writes under DIR.
launch() {
	if running "$1"; then
		say "server in $1 already running (pid $pid)"
	else
		say "starting on 127.0.0.1:$2 (HTTP $3)"
		rm -f "$1/clickhouse.pid"
		"$server" --config-file="$1/config.xml" --pid-file="$1/clickhouse.pid" --daemon >/dev/null 2>&1 ||
			die "the server did not start; see $1/log/clickhouse-server.err.log"
	fi
}

# await DIR PORT HTTP_PORT waits until the server answers: its HTTP
# interface answers "Ok." once it accepts queries.
await() {
	tries=0
	until [ "$(curl -fsS "http://127.0.0.1:$3/ping" 2>/dev/null)" = "Ok." ]; do
		tries=$((tries + 1))
		if [ "$tries" -ge 300 ]; then
			tail -n 20 "$1/log/clickhouse-server.err.log" >&2 2>/dev/null || true
			die "the server on port $2 does not answer; is the port taken?"
		fi
		sleep 0.1
	done
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -n "$cluster" ]; then
	# The user the Distributed tables connect to the shards as is the
	# default one of the servers above.
	remote="
    <remote_servers>
        <noren>
            <shard>
                <replica><host>127.0.0.1</host><port>$port</port></replica>
            </shard>
            <shard>
                <replica><host>127.0.0.1</host><port>$port2</port></replica>
            </shard>
        </noren>
    </remote_servers>"
	# A subquery on a Distributed table within a query on one reads each
	# shard's own table: Noren shards events by visitor, so a visitor's
	# events are all there (see docs/clickhouse.md).
	profile="
            <distributed_product_mode>local</distributed_product_mode>"
	configure "$dir/shard1" "$port" "$http_port" "$remote" "$profile"
	configure "$dir/shard2" "$port2" "$http_port2" "$remote" "$profile"
	# Both start at once, then both are awaited: starting takes most of
	# the time.
	launch "$dir/shard1" "$port" "$http_port"
	launch "$dir/shard2" "$port2" "$http_port2"
	await "$dir/shard1" "$port" "$http_port"
	await "$dir/shard2" "$port2" "$http_port2"
else
	configure "$dir" "$port" "$http_port" "" ""
	launch "$dir" "$port" "$http_port"
	await "$dir" "$port" "$http_port"
fi

printf '%s\n' "$export_line"
