#!/bin/sh
# tests/pg.sh — a throwaway PostgreSQL cluster for the test suites.
#
#   tests/pg.sh init DIR PORT   initdb into DIR/data (trust, superuser postgres),
#                               socket in DIR/sock, no TCP (listen_addresses=''),
#                               port PORT (names the socket), fsync=off
#   tests/pg.sh start DIR       start it (waits until it accepts connections;
#                               already running is fine), log in DIR/log
#   tests/pg.sh stop DIR        fast shutdown (not running is fine)
#   tests/pg.sh status DIR      exit 0 when running, 3 when not
#   tests/pg.sh bindir          print the directory of the PostgreSQL programs
#
# As root every PostgreSQL command runs as the `postgres` system user and DIR
# is chowned to it (PostgreSQL refuses to run as root); otherwise as the caller.
# The binaries come from /usr/lib/postgresql/<highest version>/bin, or from
# PG_BINDIR when set (pg_config is not always installed).
set -eu

usage() {
	echo "usage: $0 init DIR PORT | start DIR | stop DIR | status DIR | bindir" >&2
	exit 2
}

find_bindir() {
	if [ -n "${PG_BINDIR:-}" ]; then
		echo "$PG_BINDIR"
		return
	fi
	# Glob order is lexical (10 < 9): pick the highest version numerically.
	best=$(for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && echo "$d"
	done | sort -t/ -k5,5n | tail -n 1)
	if [ -z "$best" ]; then
		echo "pg.sh: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin" \
			"(install the postgresql package, or set PG_BINDIR)" >&2
		exit 1
	fi
	echo "$best"
}

# Runs a PostgreSQL program as the right user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# `tests/pg.sh bindir`: where the PostgreSQL programs are (bench/run.sh runs
# pgbench from there).
if [ "${1:-}" = bindir ] && [ $# -eq 1 ]; then
	find_bindir
	exit 0
fi

[ $# -ge 2 ] || usage
cmd=$1
dir=$2
BINDIR=$(find_bindir)

case "$cmd" in
init)
	[ $# -eq 3 ] || usage
	port=$3
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ -e "$dir/data" ]; then
		echo "pg.sh: $dir/data already exists" >&2
		exit 1
	fi
	mkdir -p "$dir/sock"
	if [ "$(id -u)" -eq 0 ]; then
		if ! id postgres >/dev/null 2>&1; then
			echo "pg.sh: running as root needs the 'postgres' system user" \
				"(install the postgresql package)" >&2
			exit 1
		fi
		chown -R postgres: "$dir"
		if ! runuser -u postgres -- test -w "$dir/sock"; then
			echo "pg.sh: user postgres cannot reach $dir (make its parent" \
				"directories traversable, e.g. chmod 711)" >&2
			exit 1
		fi
	fi
	as_pg "$BINDIR/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C \
		--no-sync >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	cat >>"$dir/data/postgresql.conf" <<EOF

# --- tests/pg.sh: a throwaway cluster, speed over durability ---
listen_addresses = ''
port = $port
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
logging_collector = off
log_min_messages = warning
EOF
	;;
start)
	dir=$(cd "$dir" && pwd)
	if as_pg "$BINDIR/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		exit 0
	fi
	if [ "$(id -u)" -eq 0 ] && [ ! -e "$dir/log" ]; then
		touch "$dir/log" && chown postgres: "$dir/log"
	fi
	as_pg "$BINDIR/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null || {
		echo "pg.sh: PostgreSQL did not start; last lines of $dir/log:" >&2
		tail -n 20 "$dir/log" >&2 || true
		exit 1
	}
	;;
stop)
	dir=$(cd "$dir" && pwd)
	if ! as_pg "$BINDIR/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		exit 0
	fi
	as_pg "$BINDIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
	;;
status)
	dir=$(cd "$dir" && pwd)
	as_pg "$BINDIR/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || exit 3
	;;
*)
	usage
	;;
esac
