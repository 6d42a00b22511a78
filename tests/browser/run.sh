#!/usr/bin/env bash
# Runs the browser tests (web.test.js) with Node's test runner. ctest calls it (label
# "browser") with MUTUA_TEST_MUTUAD (the mutuad to start) and MUTUA_TEST_BINARY_DIR (where
# screenshots go). Exits 77, which ctest reports as skipped, with the reason on stderr, when
# Chromium or the npm packages are missing: scripts/install-deps.sh installs both, so on CI
# (which runs it first) the tests always run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
chromium=${MUTUA_CHROMIUM:-/usr/bin/chromium}

if [[ ! -x "$chromium" ]]; then
  echo "browser tests skipped: $chromium not found (scripts/install-deps.sh installs Debian's chromium)" >&2
  exit 77
fi
if ! command -v node >/dev/null 2>&1; then
  echo "browser tests skipped: node not found (scripts/install-deps.sh installs nodejs)" >&2
  exit 77
fi
if [[ ! -d "$here/node_modules/playwright-core" || ! -d "$here/node_modules/axe-core" ]]; then
  echo "browser tests skipped: $here/node_modules is incomplete (scripts/install-deps.sh runs npm ci there)" >&2
  exit 77
fi
if [[ -z "${MUTUA_TEST_MUTUAD:-}" || ! -x "$MUTUA_TEST_MUTUAD" ]]; then
  echo "browser tests: MUTUA_TEST_MUTUAD must name the mutuad binary" >&2
  exit 1
fi

# Relative paths (as docs/web.md shows them, from the source tree) are made absolute before
# the cd below.
MUTUA_TEST_MUTUAD=$(realpath "$MUTUA_TEST_MUTUAD")
export MUTUA_TEST_MUTUAD
if [[ -n "${MUTUA_TEST_BINARY_DIR:-}" ]]; then
  MUTUA_TEST_BINARY_DIR=$(realpath "$MUTUA_TEST_BINARY_DIR")
  export MUTUA_TEST_BINARY_DIR
fi

cd "$here"
export MUTUA_CHROMIUM="$chromium"
exec node --test web.test.js
