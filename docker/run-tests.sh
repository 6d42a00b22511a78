#!/bin/bash
# The tests service of docker/compose.test.yml: the integration suites, then the storage
# tests (the store conformance suite included), with MUTUA_TEST_MONGODB_URI pointing at the
# replica set of docker/compose.yml.
# Another command replaces it: `... run --rm tests ctest --test-dir build -R auth`.
set -euo pipefail
: "${MUTUA_TEST_MONGODB_URI:?MUTUA_TEST_MONGODB_URI must name the MongoDB replica set}"
cd /src
jobs=${MUTUA_TEST_JOBS:-2}
status=0
ctest --test-dir build --output-on-failure -j"$jobs" -L integration || status=1
ctest --test-dir build --output-on-failure -j"$jobs" -R '^unit/server/storage/' || status=1
exit "$status"
