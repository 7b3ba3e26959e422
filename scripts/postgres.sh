#!/bin/sh
# Runs a throwaway PostgreSQL cluster for the storage tests.
#
# Usage:
#   scripts/postgres.sh [start] [DIR]   initialise (once) and start the cluster,
#                                       then print the export line for the tests
#   scripts/postgres.sh stop [DIR]      stop the cluster (the data stays in DIR)
#   scripts/postgres.sh env [DIR]       print the export line only
#
#   eval "$(scripts/postgres.sh)"       start and export in one step
#
# DIR defaults to $TMPDIR/noren-postgres-$PORT. The port comes from
# NOREN_PG_PORT (default 5433) so the cluster never collides with a system
# cluster on 5432. PG_BIN overrides the directory holding initdb and pg_ctl.
#
# The cluster listens on 127.0.0.1 only, trusts every loopback connection and
# runs with fsync off: it is for tests, never for data that matters. Progress
# goes to stderr; stdout carries only the export line so it can be eval'd.
set -eu

mode=start
case "${1:-}" in
start | stop | env)
	mode=$1
	shift
	;;
-h | --help)
	sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 0
	;;
esac

port=${NOREN_PG_PORT:-5433}
dir=${1:-${TMPDIR:-/tmp}/noren-postgres-$port}
role=noren
database=noren_test
dsn="postgres://$role@127.0.0.1:$port/$database?sslmode=disable"

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() {
	say "$*"
	exit 1
}

if [ "$mode" = env ]; then
	printf 'export NOREN_TEST_POSTGRES=%s\n' "$dsn"
	exit 0
fi

if [ -z "${PG_BIN:-}" ]; then
	# With several versions installed, take the highest one numerically.
	PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5n | tail -n1)
fi
if [ ! -x "$PG_BIN/pg_ctl" ]; then
	die "no PostgreSQL server found under /usr/lib/postgresql; install it with: apt-get install -y postgresql (or set PG_BIN)"
fi
psql=$PG_BIN/psql
[ -x "$psql" ] || psql=$(command -v psql) || die "psql not found"

# initdb and the server refuse to run as root, so as root everything that
# touches the cluster runs as the postgres system user.
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || die "running as root but there is no postgres user to own the cluster"
	as_owner() { runuser -u postgres -- "$@"; }
else
	as_owner() { "$@"; }
fi

running() { as_owner "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; }

if [ "$mode" = stop ]; then
	if [ -f "$dir/PG_VERSION" ] && running; then
		as_owner "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >&2
	else
		say "no cluster running in $dir"
	fi
	exit 0
fi

if [ ! -f "$dir/PG_VERSION" ]; then
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres: "$dir"
	fi
	chmod 700 "$dir"
	say "initialising a cluster in $dir"
	as_owner "$PG_BIN/initdb" -D "$dir" -U postgres -E UTF8 --locale=C \
		--auth-local=trust --auth-host=trust --no-sync >/dev/null ||
		die "initdb failed (the postgres user needs access to every directory above $dir)"
fi

if running; then
	say "cluster in $dir already running"
else
	say "starting on 127.0.0.1:$port"
	# The socket goes into the data directory so the system's
	# /var/run/postgresql (and its cluster) is left alone.
	as_owner "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >/dev/null ||
		{
			tail -n 20 "$dir/server.log" >&2 || true
			die "the server did not start; is port $port taken?"
		}
fi

tries=0
until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; do
	tries=$((tries + 1))
	[ "$tries" -lt 100 ] || die "the server on port $port does not accept connections"
	sleep 0.1
done

admin() { "$psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -tA "$@"; }
if [ "$(admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
	admin -c "CREATE ROLE $role LOGIN SUPERUSER"
fi
if [ "$(admin -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != 1 ]; then
	admin -c "CREATE DATABASE $database OWNER $role"
fi

printf 'export NOREN_TEST_POSTGRES=%s\n' "$dsn"
