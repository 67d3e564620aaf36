#!/usr/bin/env bash
# Lints openapi.yaml (repo root) with the Redocly CLI pinned in package-lock.json,
# using redocly.yaml next to this script. Exits 0 only when there is no problem
# at all: no error, no warning, and nothing hidden by an ignore file.
#
# Installs the linter first (npm ci) when node_modules is missing or older than
# package.json/package-lock.json. That install is the only network access (the
# npm registry); the lint itself runs offline. Needs Node.js >= 20.19 and npm.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
spec=openapi.yaml
redocly="$here/node_modules/.bin/redocly"

# No telemetry, no update checks or notices (npm's or Redocly's).
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export REDOCLY_SUPPRESS_NOTIFICATIONS=true
export npm_config_update_notifier=false
export npm_config_audit=false
export npm_config_fund=false

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "lint.sh: '$tool' not found; install Node.js >= 20.19 with npm" >&2
        exit 1
    fi
done
# The "engines" range of the pinned @redocly/cli: >=20.19 <21, or >=22.12.
if ! node -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1);'; then
    echo "lint.sh: @redocly/cli needs Node.js 20.x >= 20.19 or >= 22.12; this is $(node --version)" >&2
    exit 1
fi

# npm writes node_modules/.package-lock.json last, so it marks a complete install.
stamp="$here/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ ! -x "$redocly" ] ||
    [ "$here/package-lock.json" -nt "$stamp" ] || [ "$here/package.json" -nt "$stamp" ]; then
    # Quiet: npm's summary goes to /dev/null, its errors still reach stderr.
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

lint=("$redocly" lint --config "$here/redocly.yaml" --lint-config error --max-problems 1000)

# Decide on the machine-readable totals, so a rule someone sets to "warn" or an
# ignore file cannot turn a problem into a pass.
errlog=$(mktemp)
trap 'rm -f "$errlog"' EXIT
rc=0
report=$(cd "$top" && "${lint[@]}" --format json "$spec" 2>"$errlog") || rc=$?
totals=$(printf '%s' "$report" | node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
        try {
            const r = JSON.parse(s);
            const t = r.totals;
            console.log(`${t.errors} ${t.warnings} ${t.ignored} ${r.version}`);
        } catch (e) {
            console.log("unreadable");
        }
    });')

read -r errors warnings ignored version <<<"$totals"
if [ "$rc" -eq 0 ] && [ "$errors $warnings $ignored" = "0 0 0" ]; then
    echo "openapi.yaml: 0 errors, 0 warnings (@redocly/cli $version, tools/openapi/redocly.yaml)"
    exit 0
fi

# No report, or a clean report with a failing exit: show what redocly said.
if [ "$totals" = "unreadable" ] || [ "$errors $warnings $ignored" = "0 0 0" ]; then
    cat "$errlog" >&2
    echo "lint.sh: redocly failed (exit $rc) without a report" >&2
    exit 1
fi
(cd "$top" && "${lint[@]}" --format codeframe "$spec") || true
echo "lint.sh: openapi.yaml has $errors error(s), $warnings warning(s), $ignored ignored problem(s); all must be 0" >&2
exit 1
