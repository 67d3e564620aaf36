#!/usr/bin/env bash
# tests/run.sh BUILD_DIR — runs every suite against BUILD_DIR (normally
# build/san, from `make SAN=1 test-build`) and closes with the line
# "N passed, N failed". Exit status 0 only when nothing failed.
#
#   1. unit tests:        BUILD_DIR/tests/test_*   (cmocka)
#   2. integration tests: BUILD_DIR/tests/it_*     (cmocka; one at a time, as
#                         it_dbrestart stops and restarts PostgreSQL)
#   3. SDK test:          tests/sdk/run.sh — the official Azure SDK clients
#                         against BUILD_DIR/bin/accelnetd (node's test runner)
#   4. checks:            make format-check, scripts/check-banned.sh,
#                         tools/openapi/lint.sh, and the contract check
#                         (tests/contract/check.sh: every response the
#                         integration and SDK suites saw, against
#                         openapi.yaml) — one test each
#
# A throwaway PostgreSQL cluster (tests/pg.sh) and a self-signed TLS
# certificate for localhost live in a temporary directory that is removed on
# exit, failure or interruption (tests/env.sh, shared with bench/run.sh). What
# the integration tests get is exported as ACCELNET_TEST_* (see
# tests/integration/itest.h).
#
# Counting: cmocka's "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s),"
# lines; a binary that exits non-zero (a crash, a sanitizer report, a failed
# group set-up) without a FAILED line counts as one failed test. The SDK
# test: the "# pass N", "# fail N" and "# cancelled N" (counted as failed)
# lines of node's TAP summary; "# skipped N" and "# todo N" are shown in the
# summary, not counted; a non-zero exit without a failed test counts as one.
#
# ACCELNET_TEST_ONLY=GLOB runs only the test binaries whose names match
# (e.g. ACCELNET_TEST_ONLY='it_*' or it_http; `sdk` names the SDK test) and
# skips the checks, except the contract check of what those suites saw.
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR   (e.g. tests/run.sh build/san)" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" 2>/dev/null && pwd) || {
	echo "run.sh: no build directory $1 (run: make SAN=1 test-build)" >&2
	exit 2
}

PASSED=0
FAILED=0
FAILED_NAMES=()
SUMMARY=()
CHILD=""
# shellcheck source=tests/env.sh
. "$ROOT/tests/env.sh"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$CHILD" ]; then
		kill -TERM "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
	testenv_teardown
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT
trap 'echo "run.sh: terminated" >&2; exit 143' TERM

banner() {
	printf '\n==== %s ====\n' "$*"
}

# record NAME PASSED FAILED — adds one binary's (or check's) counts.
record() {
	PASSED=$((PASSED + $2))
	FAILED=$((FAILED + $3))
	[ "$3" -gt 0 ] && FAILED_NAMES+=("$1")
	return 0
}

# run_cmocka SUITE BIN — runs one cmocka binary, shows its output, counts.
# Sets SUITE_P / SUITE_F (added to the suite's totals by the caller).
run_cmocka() {
	local bin=$1 name log rc p f
	name=$(basename "$bin")
	log="$TMP/logs/$name.log"
	banner "$name"
	# In the background so that INT/TERM reach our trap at once (bash only
	# runs traps between commands); the child is stopped by cleanup().
	"$bin" >"$log" 2>&1 </dev/null &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=""
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" -gt 128 ]; then
			echo "run.sh: $name killed by signal $((rc - 128)) without a cmocka FAILED line: 1 failed"
		else
			echo "run.sh: $name exited $rc without a cmocka FAILED line: 1 failed"
		fi
		f=1
	fi
	if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "run.sh: $name printed no cmocka result line: 1 failed"
		f=1
	fi
	echo "-- $name: $p passed, $f failed (exit $rc)"
	record "$name" "$p" "$f"
	SUITE_P=$((SUITE_P + p))
	SUITE_F=$((SUITE_F + f))
}

# tap_count LOG WORD — N of the "# WORD N" lines of a TAP summary, added up.
tap_count() {
	sed -n "s/^# $2 \([0-9][0-9]*\)\$/\1/p" "$1" | awk '{s+=$1} END {print s+0}'
}

# run_node NAME CMD... — runs a command whose output ends with the TAP
# summary of node's test runner, shows it, counts it. Sets SUITE_LINE.
run_node() {
	local name=$1 log rc p f c s t
	shift
	log="$TMP/logs/$name.log"
	banner "$name"
	"$@" >"$log" 2>&1 </dev/null &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=""
	cat "$log"
	p=$(tap_count "$log" pass)
	f=$(tap_count "$log" fail)
	c=$(tap_count "$log" cancelled)
	s=$(tap_count "$log" skipped)
	t=$(tap_count "$log" todo)
	f=$((f + c))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "run.sh: $name exited $rc without a failed test: 1 failed"
		f=1
	fi
	if [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "run.sh: $name printed no node test summary (# pass N): 1 failed"
		f=1
	fi
	echo "-- $name: $p passed, $f failed, $s skipped, $t todo (exit $rc)"
	record "$name" "$p" "$f"
	SUITE_LINE=$(printf '%-11s %d passed, %d failed, %d skipped, %d todo' "$name" "$p" "$f" "$s" "$t")
}

# run_check NAME CMD... — one command, one test.
run_check() {
	local name=$1 rc
	shift
	banner "$name"
	"$@" </dev/null &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=""
	if [ "$rc" -eq 0 ]; then
		echo "-- $name: passed"
		record "$name" 1 0
		SUMMARY+=("checks      $name: passed")
	else
		echo "-- $name: FAILED (exit $rc)"
		record "$name" 0 1
		SUMMARY+=("checks      $name: FAILED")
	fi
}

# run_suite LABEL PREFIX — every binary PREFIX*, in name order.
run_suite() {
	local label=$1 prefix=$2 bin n=0
	SUITE_P=0
	SUITE_F=0
	for bin in "$prefix"*; do
		[ -f "$bin" ] && [ -x "$bin" ] || continue
		# shellcheck disable=SC2053
		[ -n "${ACCELNET_TEST_ONLY:-}" ] && [[ $(basename "$bin") != $ACCELNET_TEST_ONLY ]] && continue
		n=$((n + 1))
		# A suite that stopped PostgreSQL and died before starting it again
		# must not fail the next ones.
		"$ROOT/tests/pg.sh" start "$TMP/pg" || echo "run.sh: PostgreSQL did not start"
		run_cmocka "$bin"
	done
	if [ "$n" -eq 0 ]; then
		if [ -n "${ACCELNET_TEST_ONLY:-}" ]; then
			SUMMARY+=("$(printf '%-11s none selected' "$label")")
			return
		fi
		# A build without tests must not look like a green run.
		echo "run.sh: no $label test binaries ($prefix*): 1 failed (run: make SAN=1 test-build)"
		record "$label-binaries" 0 1
		SUMMARY+=("$(printf '%-11s no binaries: 1 failed' "$label")")
		return
	fi
	SUMMARY+=("$(printf '%-11s %d binaries: %d passed, %d failed' "$label" "$n" "$SUITE_P" "$SUITE_F")")
}

# --- environment --------------------------------------------------------------
banner "setup"
testenv_setup test "$BUILD/bin" || exit 1
export ACCELNET_TEST_CONTRACT_LOG="$TMP/contract.jsonl"

export UBSAN_OPTIONS=print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
# LeakSanitizer cannot run under ptrace (strace, gdb, some sandboxes): then it
# fails every program at exit. Ask a sanitized program whether it works.
probe=""
for p in "$BUILD/bin/accelnetd" "$BUILD"/tests/test_*; do
	[ -x "$p" ] && probe=$p && break
done
if [ -n "$probe" ]; then
	probe_out=$("$probe" --help 2>&1 </dev/null)
	if [[ $probe_out == *"LeakSanitizer does not work under ptrace"* ]]; then
		export ASAN_OPTIONS=detect_leaks=0
		SUMMARY+=("NOTE        leak detection OFF: LeakSanitizer does not work under ptrace")
		echo "NOTE: LeakSanitizer does not work under ptrace here: leak detection is OFF" \
			"(ASAN_OPTIONS=detect_leaks=0)"
	fi
fi
echo "ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"

# --- suites -------------------------------------------------------------------
cd "$ROOT" || exit 1
run_suite unit "$BUILD/tests/test_"
run_suite integration "$BUILD/tests/it_"

# shellcheck disable=SC2053
if [ -z "${ACCELNET_TEST_ONLY:-}" ] || [[ sdk == $ACCELNET_TEST_ONLY ]]; then
	"$ROOT/tests/pg.sh" start "$TMP/pg" || echo "run.sh: PostgreSQL did not start"
	run_node sdk "$ROOT/tests/sdk/run.sh"
	SUMMARY+=("$SUITE_LINE")
	if [ -n "$(sed -n 's/^# skipped \([1-9][0-9]*\)$/\1/p' "$TMP/logs/sdk.log")" ]; then
		SUMMARY+=("            (skipped: see the 'SKIP' lines of the sdk output for why)")
	fi
else
	SUMMARY+=("sdk         none selected")
fi

# Every response the suites above saw, against openapi.yaml.
run_contract() {
	if [ -s "$ACCELNET_TEST_CONTRACT_LOG" ] || [ -z "${ACCELNET_TEST_ONLY:-}" ]; then
		run_check contract "$ROOT/tests/contract/check.sh" "$ACCELNET_TEST_CONTRACT_LOG"
	else
		SUMMARY+=("checks      contract: nothing recorded by the selected suites")
	fi
}

run_checks() {
	run_check format-check make --no-print-directory -C "$ROOT" format-check
	run_check check-banned "$ROOT/scripts/check-banned.sh"
	run_contract
	if [ -f "$ROOT/tools/openapi/lint.sh" ]; then
		run_check openapi-lint bash "$ROOT/tools/openapi/lint.sh"
	else
		banner "openapi-lint"
		echo "-- openapi-lint: FAILED: tools/openapi/lint.sh does not exist"
		record openapi-lint 0 1
		SUMMARY+=("checks      openapi-lint: FAILED (tools/openapi/lint.sh missing)")
	fi
}
if [ -n "${ACCELNET_TEST_ONLY:-}" ]; then
	echo
	echo "ACCELNET_TEST_ONLY=$ACCELNET_TEST_ONLY: checks skipped (but the contract check)"
	SUMMARY+=("checks      skipped (ACCELNET_TEST_ONLY), but the contract check")
	run_contract
else
	run_checks
fi

# --- summary ------------------------------------------------------------------
banner "summary"
for line in "${SUMMARY[@]}"; do
	echo "$line"
done
if [ "${#FAILED_NAMES[@]}" -gt 0 ]; then
	echo "failed: ${FAILED_NAMES[*]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
