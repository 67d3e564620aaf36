#!/usr/bin/env bash
# tests/sdk/run.sh — the official Azure SDK clients against a real accelnetd.
#
# Called by tests/run.sh (which exports the ACCELNET_TEST_* variables, see
# tests/integration/itest.h): installs the pinned @azure/arm-* packages
# (npm ci, only when node_modules is missing or stale), creates a fresh
# database on the throwaway PostgreSQL, starts its own accelnetd from
# ACCELNET_TEST_BIN on a free 127.0.0.1 port with the test certificate and a
# known admin token, and a sim accelnet-agent registered with it (for the VM
# of the compute step), runs `node --test` on tests/sdk/*.test.mjs with the
# TAP reporter (tests/run.sh counts its "# pass N" / "# fail N" lines), then
# stops the agent and the daemon by their PIDs.
#
# Exit status: node's, or 1 when the daemon could not be started or did not
# stop cleanly (a sanitizer report, a crash) although every test passed.
#
# Nothing leaves the machine: the clients talk to https://127.0.0.1:PORT only
# (sdk.test.mjs refuses any other URL), proxies from the environment are
# dropped, and the certificate is trusted through NODE_EXTRA_CA_CERTS.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

need() {
    local v
    v=$(printenv "$1") || v=""
    if [ -z "$v" ]; then
        echo "sdk/run.sh: $1 is not set: run this through tests/run.sh BUILD_DIR" >&2
        exit 1
    fi
    printf '%s' "$v"
}
BIN=$(need ACCELNET_TEST_BIN) || exit 1
PGHOST_=$(need ACCELNET_TEST_PGHOST) || exit 1
PGPORT_=$(need ACCELNET_TEST_PGPORT) || exit 1
PGUSER_=$(need ACCELNET_TEST_PGUSER) || exit 1
CERT=$(need ACCELNET_TEST_TLS_CERT) || exit 1
KEY=$(need ACCELNET_TEST_TLS_KEY) || exit 1
SCRATCH=$(need ACCELNET_TEST_TMP) || exit 1

DB=accelnet_sdk
LOG="$SCRATCH/sdk-accelnetd.log"
TOKEN_FILE="$SCRATCH/sdk-accelnetd.token"
DAEMON=""
AGENT=""
NODE=""
HOST_NAME=sdk-host-1
AGENT_LOG="$SCRATCH/sdk-agent.log"

stop_agent() {
    [ -n "$AGENT" ] || return 0
    kill -TERM "$AGENT" 2>/dev/null
    wait "$AGENT" 2>/dev/null
    AGENT=""
}

stop_node() {
    [ -n "$NODE" ] || return 0
    kill -TERM "$NODE" 2>/dev/null
    wait "$NODE" 2>/dev/null
    NODE=""
}

stop_daemon() {
    # Only the PID this script started.
    [ -n "$DAEMON" ] || return 0
    local pid=$DAEMON i rc
    DAEMON=""
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "sdk/run.sh: accelnetd (pid $pid) still running 10 s after SIGTERM: SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 1
    fi
    wait "$pid" 2>/dev/null
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "sdk/run.sh: accelnetd (pid $pid) exited with status $rc; last lines of $LOG:" >&2
        tail -n 30 "$LOG" >&2
        return 1
    fi
    return 0
}
trap 'stop_node; stop_agent; stop_daemon; exit 130' INT
trap 'stop_node; stop_agent; stop_daemon; exit 143' TERM
trap 'stop_node; stop_agent; stop_daemon' EXIT

# --- packages -----------------------------------------------------------------------
"$top/tests/npm-ci.sh" "$here" || {
    echo "sdk/run.sh: npm ci failed in $here" >&2
    exit 1
}

# --- database -------------------------------------------------------------------------
pgbin=$(for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/psql" ] && echo "$d"
done | sort -t/ -k5,5n | tail -n 1)
if [ -n "${PG_BINDIR:-}" ]; then
    pgbin=$PG_BINDIR
fi
if [ -z "$pgbin" ]; then
    echo "sdk/run.sh: no psql in /usr/lib/postgresql/*/bin (or set PG_BINDIR)" >&2
    exit 1
fi
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
as_pg "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" -d postgres \
    -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" || {
    echo "sdk/run.sh: could not create database $DB" >&2
    exit 1
}

# --- daemon -----------------------------------------------------------------------------
port=$(node -e '
    const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });') || {
    echo "sdk/run.sh: no free port on 127.0.0.1" >&2
    exit 1
}
URL="https://127.0.0.1:$port"
ADMIN_TOKEN="sdk-admin-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
rm -f "$TOKEN_FILE"

# A clean environment, as tests/integration/itest.c gives its daemons, so a
# developer's own ACCELNET_* settings cannot change what the test sees.
denv=(
    "PATH=/usr/local/bin:/usr/bin:/bin"
    "ACCELNET_DATABASE_URL=host=$PGHOST_ port=$PGPORT_ user=$PGUSER_ dbname=$DB connect_timeout=10"
    "ACCELNET_LISTEN=127.0.0.1:$port"
    "ACCELNET_TLS_CERT=$CERT"
    "ACCELNET_TLS_KEY=$KEY"
    "ACCELNET_ADMIN_TOKEN=$ADMIN_TOKEN"
    "ACCELNET_ADMIN_TOKEN_FILE=$TOKEN_FILE"
    "ACCELNET_LOG_LEVEL=debug"
    "ACCELNET_AGENT_CA_FILE=$CERT"
    "ACCELNET_HOST_HEARTBEAT_INTERVAL=1"
    "ACCELNET_HOST_HEARTBEAT_TIMEOUT=5"
    "ACCELNET_OPS_POLL_MS=200"
    "ACCELNET_OPS_RETRY_AFTER=1"
)
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    [ -n "${!v:-}" ] && denv+=("$v=${!v}")
done
# setpriv --pdeathsig: the daemon dies with this script, even a SIGKILLed one.
pdeath=()
if command -v setpriv >/dev/null 2>&1 && setpriv --help 2>&1 | grep -q pdeathsig; then
    pdeath=(setpriv --pdeathsig KILL --)
fi
(cd "$SCRATCH" && exec env -i "${denv[@]}" "${pdeath[@]}" "$BIN/accelnetd") >"$LOG" 2>&1 </dev/null &
DAEMON=$!

# Ready when GET /healthz answers 200 (20 s at most; sooner if it died).
ready=0
if env -i "PATH=$PATH" "NODE_EXTRA_CA_CERTS=$CERT" node -e '
    const [url, pid] = process.argv.slice(1);
    const deadline = Date.now() + 20000;
    const alive = () => { try { process.kill(Number(pid), 0); return true; } catch { return false; } };
    (async () => {
        while (Date.now() < deadline && alive()) {
            try {
                const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
                if (r.status === 200) process.exit(0);
            } catch {}
            await new Promise((ok) => setTimeout(ok, 100));
        }
        process.exit(1);
    })();' "$URL/healthz" "$DAEMON"; then
    ready=1
fi
if [ "$ready" -ne 1 ]; then
    echo "sdk/run.sh: accelnetd did not become healthy at $URL; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2
    exit 1
fi
echo "sdk/run.sh: accelnetd pid $DAEMON at $URL (log $LOG)"

# --- a host agent (sim backend) for the VM ----------------------------------------------------
# It registers with the admin token (an operator's token may register hosts).
aport=$(node -e '
    const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });') || {
    echo "sdk/run.sh: no free port on 127.0.0.1" >&2
    exit 1
}
aenv=(
    "PATH=/usr/local/bin:/usr/bin:/bin"
    "ACCELNET_AGENT_CONTROLLER=$URL"
    "ACCELNET_AGENT_TOKEN=$ADMIN_TOKEN"
    "ACCELNET_AGENT_HOST_NAME=$HOST_NAME"
    "ACCELNET_AGENT_LOCATION=westeurope"
    "ACCELNET_AGENT_LISTEN=127.0.0.1:$aport"
    "ACCELNET_AGENT_STATE_DIR=$SCRATCH/sdk-agent-state"
    "ACCELNET_AGENT_TLS_CERT=$CERT"
    "ACCELNET_AGENT_TLS_KEY=$KEY"
    "ACCELNET_AGENT_CA_FILE=$CERT"
    "ACCELNET_AGENT_VCPUS=64"
    "ACCELNET_AGENT_MEMORY_MB=524288"
)
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    [ -n "${!v:-}" ] && aenv+=("$v=${!v}")
done
rm -rf "$SCRATCH/sdk-agent-state"
(cd "$SCRATCH" && exec env -i "${aenv[@]}" "${pdeath[@]}" "$BIN/accelnet-agent") >"$AGENT_LOG" 2>&1 </dev/null &
AGENT=$!
echo "sdk/run.sh: accelnet-agent pid $AGENT at https://127.0.0.1:$aport (log $AGENT_LOG)"

# --- the test -------------------------------------------------------------------------------
# Only what the test needs; no proxy variables (the pipelines' proxy policy
# reads HTTPS_PROXY and friends), no AZURE_* settings.
nenv=(
    "PATH=$PATH"
    "HOME=$SCRATCH"
    "NODE_EXTRA_CA_CERTS=$CERT"
    "ACCELNET_SDK_URL=$URL"
    "ACCELNET_SDK_ADMIN_TOKEN=$ADMIN_TOKEN"
    "ACCELNET_SDK_HOST=$HOST_NAME"
)
[ -n "${ACCELNET_TEST_CONTRACT_LOG:-}" ] && nenv+=("ACCELNET_TEST_CONTRACT_LOG=$ACCELNET_TEST_CONTRACT_LOG")
# In the background, so that INT/TERM reach the traps at once (bash runs
# traps between commands).
(cd "$here" && exec env -i "${nenv[@]}" node --test --test-reporter=tap --test-concurrency=1 \
    "$here"/*.test.mjs) </dev/null &
NODE=$!
wait "$NODE"
rc=$?
NODE=""

stop_agent
stop_daemon || { [ "$rc" -eq 0 ] && rc=1; }
exit "$rc"
