#!/usr/bin/env bash
# Runs mutua on this machine: installs what is missing, builds (Release, in build/), then
# runs mutuad in the foreground on the embedded SQLite store. mutuad prints its URL and how
# to log in as the first admin.
#
# Usage: scripts/run.sh [MUTUAD ARGS...]        e.g. scripts/run.sh --demo
# Environment:
#   MUTUA_LISTEN    address to listen on (default 127.0.0.1:8080)
#   MUTUA_DATA_DIR  data directory (default ./data at the top of the repository)
# Every argument is passed to mutuad as is.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
listen=${MUTUA_LISTEN:-127.0.0.1:8080}
data_dir=${MUTUA_DATA_DIR:-"$root/data"}

say() { printf '\n==> %s\n' "$*" >&2; }

say "Checking dependencies"
"$root/scripts/install-deps.sh"

say "Building mutuad (Release, build/)"
# Every option is explicit, so that a build/ configured otherwise before is put right.
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DMUTUA_BUILD_TESTS=OFF \
  -DMUTUA_WERROR=OFF -DMUTUA_SANITIZE=OFF -DMUTUA_FUZZ=OFF >/dev/null
cmake --build "$root/build" --target mutuad -j "$(nproc)"

mkdir -p "$data_dir"
say "Starting mutuad on $listen (data in $data_dir)"
exec "$root/build/server/mutuad" --listen "$listen" --data-dir "$data_dir" "$@"
