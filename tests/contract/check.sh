#!/usr/bin/env bash
# tests/contract/check.sh LOG... — checks every response recorded in the LOG
# files (JSON lines, see validate.mjs) against openapi.yaml. tests/run.sh runs
# it after the integration and SDK suites as the check "contract".
#
# First the validator's self-test (validate.test.mjs: passes what follows a
# small contract, reports each kind of drift), so a broken checker cannot pass
# everything.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
"$top/tests/npm-ci.sh" "$here"

selftest=$(mktemp)
trap 'rm -f "$selftest"' EXIT
if ! (cd "$here" && node --test --test-reporter=tap validate.test.mjs) >"$selftest" 2>&1 </dev/null; then
    cat "$selftest"
    echo "contract: the validator's self-test failed (tests/contract/validate.test.mjs)" >&2
    exit 1
fi
echo "contract: validator self-test: $(sed -n 's/^# pass //p' "$selftest") passed"
node "$here/validate.mjs" "$top/openapi.yaml" "$@"
