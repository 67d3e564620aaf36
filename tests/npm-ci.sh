#!/usr/bin/env bash
# tests/npm-ci.sh DIR — makes DIR/node_modules match DIR/package-lock.json.
#
# Runs `npm ci` (exact versions from the committed lockfile) when
# node_modules is missing or older than package.json / package-lock.json, the
# way tools/openapi/lint.sh does. That install is the only network access (the
# npm registry); the suites themselves run offline. npm's update notifier,
# audit and funding calls are off.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$(cd "$1" && pwd)

export npm_config_update_notifier=false
export npm_config_audit=false
export npm_config_fund=false

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "npm-ci.sh: '$tool' not found; install Node.js >= 20 with npm" >&2
        exit 1
    fi
done

# npm writes node_modules/.package-lock.json last, so it marks a complete install.
stamp="$dir/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ] || [ "$dir/package.json" -nt "$stamp" ]; then
    # Quiet: npm's summary goes to /dev/null, its errors still reach stderr.
    # --engine-strict=false: the pinned @azure/arm-* releases declare Node.js
    # 22 in "engines" and work on 20 (tests/sdk/README.md); npm only warns,
    # and the warning is not shown.
    (cd "$dir" && npm ci --no-audit --no-fund --engine-strict=false --loglevel=error >/dev/null)
fi
