# tests/env.sh — sourced (bash) by tests/run.sh and bench/run.sh: what the
# integration-test helpers (tests/integration/itest.h) need, in a temporary
# directory.
#
#   testenv_setup NAME BIN_DIR   makes TMP=$TMPDIR/accelnet-NAME.XXXXXX (logs/,
#                                tmp/, tls/), a throwaway PostgreSQL cluster
#                                in $TMP/pg (tests/pg.sh) on a random port,
#                                a self-signed certificate for localhost /
#                                127.0.0.1, and exports ACCELNET_TEST_* (BIN_DIR
#                                holds accelnetd and accelnet-agent). 0, or 1
#                                with a message; TMP is set as soon as it
#                                exists, so a failure leaves something for
#                                testenv_teardown.
#   testenv_teardown             stops that PostgreSQL and removes TMP (safe
#                                when testenv_setup failed half-way or never
#                                ran). The caller calls it from its EXIT trap.
#
# The caller sets ROOT (the repository) first. ACCELNET_TEST_CONTRACT_LOG is
# not set here: it is the test suite's (bench/run.sh leaves it unset so that
# measurements do not include writing it).

TMP=""

testenv_setup() {
	local name=$1 bin=$2 me
	me=$(basename "$0")
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/accelnet-$name.XXXXXX") || {
		TMP=""
		echo "$me: cannot make a temporary directory" >&2
		return 1
	}
	# PostgreSQL runs as user postgres when we are root: it must reach $TMP/pg.
	chmod 711 "$TMP"
	mkdir -p "$TMP/logs" "$TMP/tmp" "$TMP/tls"

	# The socket name only (listen_addresses=''), but keep it unlikely to clash.
	PGPORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
	"$ROOT/tests/pg.sh" init "$TMP/pg" "$PGPORT" || {
		echo "$me: tests/pg.sh init failed" >&2
		return 1
	}
	"$ROOT/tests/pg.sh" start "$TMP/pg" || {
		echo "$me: tests/pg.sh start failed" >&2
		return 1
	}
	echo "PostgreSQL: socket $TMP/pg/sock port $PGPORT"

	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$TMP/tls/key.pem" -out "$TMP/tls/cert.pem" >"$TMP/logs/openssl.log" 2>&1 || {
		cat "$TMP/logs/openssl.log" >&2
		echo "$me: could not make the test certificate" >&2
		return 1
	}
	chmod 600 "$TMP/tls/key.pem"
	echo "TLS: self-signed certificate for localhost / 127.0.0.1 in $TMP/tls"

	export ACCELNET_TEST_BIN="$bin"
	export ACCELNET_TEST_PGHOST="$TMP/pg/sock"
	export ACCELNET_TEST_PGPORT="$PGPORT"
	export ACCELNET_TEST_PGUSER=postgres
	export ACCELNET_TEST_PGDATA="$TMP/pg"
	export ACCELNET_TEST_PGCTL="$ROOT/tests/pg.sh"
	export ACCELNET_TEST_TLS_CERT="$TMP/tls/cert.pem"
	export ACCELNET_TEST_TLS_KEY="$TMP/tls/key.pem"
	export ACCELNET_TEST_TMP="$TMP/tmp"
	unset ACCELNET_TEST_CONTRACT_LOG CMOCKA_MESSAGE_OUTPUT CMOCKA_XML_FILE
	return 0
}

testenv_teardown() {
	if [ -n "$TMP" ]; then
		"$ROOT/tests/pg.sh" stop "$TMP/pg" >/dev/null 2>&1
		rm -rf "$TMP"
		TMP=""
	fi
}
