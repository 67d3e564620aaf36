#!/usr/bin/env bash
# bench/run.sh BUILD_DIR [BIN_DIR] — runs every bench program
# BUILD_DIR/bench/bench_* (normally build/rel, from `make bench`) against the
# programs in BIN_DIR (default BUILD_DIR/bin; `make bench` passes bin/), and
# ends with a table: one row per measurement with its value, its baseline
# (measured in the same run, on the same machine) and the ratio of the two.
#
# Nothing here fails for being slow. The exit status is 0 unless a bench
# program could not run or found a wrong result (then it reports no number
# for it), or printed no row.
#
# The set-up is the integration tests' (tests/env.sh): a throwaway
# PostgreSQL cluster and a self-signed certificate in a temporary directory,
# removed on exit, failure or interruption, and the ACCELNET_TEST_* exports
# of tests/integration/itest.h. Each program appends its rows to
# $ACCELNET_BENCH_RESULTS (bench/benchout.h).
#
# ACCELNET_BENCH_ONLY=GLOB runs only the programs whose names match (e.g.
# bench_api); ACCELNET_BENCH_REPS=N repeats each measurement N times (default
# 3; the table shows the median).
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 BUILD_DIR [BIN_DIR]   (e.g. bench/run.sh build/rel bin)" >&2
	exit 2
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" 2>/dev/null && pwd) || {
	echo "bench/run.sh: no build directory $1 (run: make bench)" >&2
	exit 2
}
BIN=$(cd "${2:-$BUILD/bin}" 2>/dev/null && pwd) || {
	echo "bench/run.sh: no directory ${2:-$BUILD/bin} with the programs (run: make bench)" >&2
	exit 2
}

CHILD=""
TAIL=""
# shellcheck source=tests/env.sh
. "$ROOT/tests/env.sh"

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local p
	for p in $CHILD $TAIL; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	testenv_teardown
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "bench/run.sh: interrupted" >&2; exit 130' INT
trap 'echo "bench/run.sh: terminated" >&2; exit 143' TERM

banner() {
	printf '\n==== %s ====\n' "$*"
}

# --- the machine ----------------------------------------------------------------
START=$(date +%s)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
san="no sanitizers"
if grep -q -a __asan_init "$BIN/accelnetd" 2>/dev/null; then
	san="SANITIZERS ON: times are not representative"
fi
MACHINE=(
	"machine   $(nproc) CPUs${cpu:+ ($cpu)}, $(uname -sr), load average $load at the start"
	"build     ${ACCELNET_BENCH_BUILD:-$BUILD}, $san; programs in $BIN"
)
banner "machine"
printf '%s\n' "${MACHINE[@]}"

banner "setup"
testenv_setup bench "$BIN" || exit 1
export ACCELNET_BENCH_RESULTS="$TMP/results.tsv"
ACCELNET_BENCH_PGBENCH="$("$ROOT/tests/pg.sh" bindir)/pgbench" || exit 1
export ACCELNET_BENCH_PGBENCH
: >"$ACCELNET_BENCH_RESULTS"
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# --- the programs ---------------------------------------------------------------
FAILED=()
n=0
cd "$ROOT" || exit 1
for bin in "$BUILD"/bench/bench_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=$(basename "$bin")
	# shellcheck disable=SC2053
	[ -n "${ACCELNET_BENCH_ONLY:-}" ] && [[ $name != $ACCELNET_BENCH_ONLY ]] && continue
	n=$((n + 1))
	banner "$name"
	"$ROOT/tests/pg.sh" start "$TMP/pg" || echo "bench/run.sh: PostgreSQL did not start"
	log="$TMP/logs/$name.log"
	rows=$(wc -l <"$ACCELNET_BENCH_RESULTS")
	t0=$(date +%s)
	# In the background, shown as it goes, so that INT/TERM reach our trap
	# at once; cleanup() stops what is still running.
	: >"$log"
	"$bin" >"$log" 2>&1 </dev/null &
	CHILD=$!
	tail -n +1 -f --pid="$CHILD" "$log" &
	TAIL=$!
	wait "$CHILD"
	rc=$?
	CHILD=""
	wait "$TAIL"
	TAIL=""
	echo "-- $name: exit $rc after $(($(date +%s) - t0)) s"
	if [ "$rc" -ne 0 ]; then
		FAILED+=("$name (exit $rc)")
	elif [ "$(wc -l <"$ACCELNET_BENCH_RESULTS")" -eq "$rows" ]; then
		FAILED+=("$name (no result)")
	fi
done
if [ "$n" -eq 0 ]; then
	echo "bench/run.sh: no bench programs in $BUILD/bench (run: make bench)" >&2
	FAILED+=("no bench programs")
fi

# --- the table ------------------------------------------------------------------
banner "results"
printf '%s\n' "${MACHINE[@]}"
echo "time      $(($(date +%s) - START)) s; each value is the median of ${ACCELNET_BENCH_REPS:-3} runs"
echo
awk -F'\t' '
	{ for (i = 1; i <= 4; i++) { f[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
	END {
		h[1] = "measurement"; h[2] = "value"; h[3] = "baseline (same run)"; h[4] = "ratio"
		for (i = 1; i <= 4; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
		fmt = "%-" w[1] "s  %" w[2] "s  %-" w[3] "s  %s\n"
		printf fmt, h[1], h[2], h[3], h[4]
		for (r = 1; r <= NR; r++) printf fmt, f[r, 1], f[r, 2], f[r, 3], f[r, 4]
	}' "$ACCELNET_BENCH_RESULTS"
if [ "${#FAILED[@]}" -gt 0 ]; then
	echo
	echo "FAILED (no numbers for these): ${FAILED[*]}"
	exit 1
fi
exit 0
