#!/usr/bin/env bash
# tests/contract/check.sh LOG... — checks every response recorded in the LOG
# files (JSON lines, see validate.mjs) against openapi.yaml. tests/run.sh runs
# it after the integration and SDK suites as the check "contract".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
"$top/tests/npm-ci.sh" "$here"
exec node "$here/validate.mjs" "$top/openapi.yaml" "$@"
