#!/bin/sh
# scripts/run.sh — what `make run` does after building:
#   a private PostgreSQL cluster under .run/pg (created on first use, kept),
#   a self-signed TLS certificate for localhost under .run/tls (first use),
#   accelnetd on https://127.0.0.1:8443 (ACCELNET_LISTEN overrides),
#   three sim host agents registered with it (two in westeurope, one in
#   westcentralus, on 127.0.0.1:9101-9103, state under .run/agents),
#   and the URL and bootstrap admin token printed. Ctrl-C stops it all.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
run="$top/.run"
pgdir="$run/pg"
pgctl="$top/tests/pg.sh"
listen=${ACCELNET_LISTEN:-127.0.0.1:8443}
log="$run/accelnetd.log"
tokfile="$run/admin-token"

mkdir -p "$run"
chmod 711 "$run"

if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$run"; then
	echo "run: the postgres user cannot reach $run; make its parent folders" \
		"traversable (chmod o+x) or clone the repository elsewhere" >&2
	exit 1
fi

# --- PostgreSQL -----------------------------------------------------------------
if [ ! -f "$pgdir/data/PG_VERSION" ]; then
	echo "run: creating the PostgreSQL cluster in $pgdir"
	rm -rf "$pgdir"
	"$pgctl" init "$pgdir" 5432
	# tests/pg.sh sets up a throwaway cluster; this one keeps its data.
	cat >>"$pgdir/data/postgresql.conf" <<EOF

# --- scripts/run.sh: a cluster that keeps its data between runs ---
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
fi
"$pgctl" start "$pgdir"

pgstarted=1
pid=""
agent_pids=""
cleanup() {
	trap - EXIT INT TERM
	for a in $agent_pids; do
		kill -TERM "$a" 2>/dev/null || true
	done
	for a in $agent_pids; do
		wait "$a" 2>/dev/null || true
	done
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ -n "$pgstarted" ]; then
		"$pgctl" stop "$pgdir" || true
	fi
	echo "run: stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

bindir=$(for d in /usr/lib/postgresql/*/bin; do [ -x "$d/psql" ] && echo "$d"; done |
	sort -t/ -k5,5n | tail -n 1)
psql() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$bindir/psql" -X -q -h "$pgdir/sock" -p 5432 -U postgres "$@"
	else
		"$bindir/psql" -X -q -h "$pgdir/sock" -p 5432 -U postgres "$@"
	fi
}
if [ "$(psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'accelnet'")" != 1 ]; then
	psql -d postgres -c "CREATE DATABASE accelnet"
fi

# --- TLS ------------------------------------------------------------------------
if [ ! -f "$run/tls/cert.pem" ] || [ ! -f "$run/tls/key.pem" ]; then
	echo "run: generating a self-signed TLS certificate for localhost in $run/tls"
	mkdir -p "$run/tls"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
		-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
		-keyout "$run/tls/key.pem" -out "$run/tls/cert.pem" 2>/dev/null
	chmod 600 "$run/tls/key.pem"
fi

# --- accelnetd --------------------------------------------------------------------
: >"$log"
ACCELNET_DATABASE_URL="host=$pgdir/sock port=5432 user=postgres dbname=accelnet" \
	ACCELNET_LISTEN="$listen" \
	ACCELNET_TLS_CERT="$run/tls/cert.pem" \
	ACCELNET_TLS_KEY="$run/tls/key.pem" \
	ACCELNET_ADMIN_TOKEN_FILE="$tokfile" \
	ACCELNET_AGENT_CA_FILE="$run/tls/cert.pem" \
	"$top/bin/accelnetd" 2>>"$log" &
pid=$!

# Ready when it logs "listening"; gone if it exits first.
i=0
while ! grep -q '"msg":"listening"' "$log"; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "run: accelnetd exited; its log ($log):" >&2
		tail -n 20 "$log" >&2
		pid=""
		exit 1
	fi
	i=$((i + 1))
	if [ "$i" -gt 300 ]; then
		echo "run: accelnetd did not start within 30 s; see $log" >&2
		exit 1
	fi
	sleep 0.1
done
url=$(sed -n 's/.*"msg":"listening","url":"\([^"]*\)".*/\1/p' "$log" | tail -n 1)

token="(set by ACCELNET_ADMIN_TOKEN)"
if [ -z "${ACCELNET_ADMIN_TOKEN:-}" ]; then
	if [ -f "$tokfile" ]; then
		token=$(cat "$tokfile")
	else
		token="(lost: the database has one but $tokfile is gone; restart with ACCELNET_ADMIN_TOKEN set)"
	fi
fi

# --- host agents ------------------------------------------------------------------
# Three simulated hosts (two in westeurope, one in westcentralus), each with a
# ConnectX-3 PF of 16 VFs. Each has its own agent token, bound to its host
# (--host-name: it may register and heartbeat that host only; made once, kept
# in its folder), and state folder, and serves HTTPS with the same localhost
# certificate.
admin_token=${ACCELNET_ADMIN_TOKEN:-}
[ -n "$admin_token" ] || admin_token=$(cat "$tokfile" 2>/dev/null || true)
start_agent() { # name location port
	adir="$run/agents/$1"
	mkdir -p "$adir"
	chmod 700 "$adir"
	if [ ! -s "$adir/token" ]; then
		ACCELNET_URL="$url" ACCELNET_TOKEN="$admin_token" ACCELNET_CA_FILE="$run/tls/cert.pem" \
			"$top/bin/accelnet" admin token create --role agent --host-name "$1" \
			--description "make run: $1" --query token -o tsv >"$adir/token.tmp" 2>>"$run/agents.log" &&
			mv "$adir/token.tmp" "$adir/token" && chmod 600 "$adir/token" ||
			{ echo "run: could not make an agent token for $1 (see $run/agents.log)" >&2; return 1; }
	fi
	"$top/bin/accelnet-agent" --controller "$url" --token-file "$adir/token" \
		--ca-file "$run/tls/cert.pem" --host-name "$1" --location "$2" \
		--listen "127.0.0.1:$3" --tls-cert "$run/tls/cert.pem" --tls-key "$run/tls/key.pem" \
		--state-dir "$adir/state" --vcpus 128 --memory-mb 1048576 2>>"$adir/agent.log" &
	agent_pids="$agent_pids $!"
}
agents="not started (no admin token to make agent tokens with)"
if [ -n "$admin_token" ]; then
	start_agent host-we-1 westeurope 9101 &&
		start_agent host-we-2 westeurope 9102 &&
		start_agent host-wcus-1 westcentralus 9103 &&
		agents="host-we-1, host-we-2 (westeurope), host-wcus-1 (westcentralus); logs in $run/agents/"
fi

# Log the CLI in as the admin, so that `bin/accelnet` works at once.
cli="not logged in (no admin token to log in with)"
if [ -f "$tokfile" ] && [ -z "${ACCELNET_ADMIN_TOKEN:-}" ]; then
	if "$top/bin/accelnet" login --url "$url" --token - --ca-file "$run/tls/cert.pem" \
		-o none <"$tokfile"; then
		cli="logged in as the admin"
	fi
fi

cat <<EOF

  accelnetd is running.

    URL          $url
    CA file      $run/tls/cert.pem
    Admin token  $token
    Log          $log   (one JSON line per request)
    Host agents  $agents

  CLI          bin/accelnet is $cli

  Try:
    bin/accelnet health -o table
    bin/accelnet admin host list -o table
    bin/accelnet admin subscription create --display-name demo -o table
  README.md, "A first session", walks through the rest.

  Ctrl-C stops accelnetd and PostgreSQL.

EOF
wait "$pid" || true
pid=""
