#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build, run and test mutua, then the browser
# tests' npm packages (tests/browser: playwright-core and axe-core, pinned by its
# package-lock.json) with `npm ci`.
#
# Only what is missing is installed: every package is first checked with dpkg-query, and
# npm ci runs only when tests/browser/node_modules does not match the lock file, so a second
# run is fast, quiet and needs no network. apt-get runs as root, through sudo otherwise.
#
# The one list of Debian packages is DEBIAN_PACKAGES below: add new needs there.
set -euo pipefail

DEBIAN_PACKAGES=(
  # C toolchain and build
  build-essential
  cmake
  pkg-config
  git
  # libraries of the server and the clients
  libevent-dev
  libbson-dev
  libmongoc-dev
  libsodium-dev
  libsqlite3-dev
  sqlite3
  # tests and checks
  libcmocka-dev
  clang-format
  # libFuzzer targets (scripts/fuzz.sh): clang and its runtime (libclang_rt.fuzzer, asan, ubsan)
  clang
  libclang-rt-dev
  strace   # disk faults injected in tests/integration/test_faults.c
  valgrind # scripts/valgrind.sh
  # Python test tools: Debian's modules, seen only by /usr/bin/python3
  python3
  python3-mongomock
  python3-pymongo
  python3-pymongo-ext # bson in C: the MongoDB test double (tests/support/mongo_double.py) runs faster
  python3-icalendar
  # browser tests of the web app: Debian's Chromium, driven from Node by playwright-core
  chromium
  nodejs
  # the benchmark suite (bench/run.sh): the HTTP load generator
  wrk
)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done

# npm comes with Debian's npm package, or inside another build of nodejs: only its absence
# matters.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

install_npm_packages() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
  # npm ci writes node_modules/.package-lock.json: equal to the lock file means up to date.
  if [[ -f "$dir/node_modules/.package-lock.json" ]] &&
    node -e 'const fs = require("fs");
      const a = JSON.parse(fs.readFileSync(process.argv[1])).packages;
      const b = JSON.parse(fs.readFileSync(process.argv[2])).packages;
      for (const k of Object.keys(a)) { if (k && (!b[k] || b[k].version !== a[k].version)) process.exit(1); }' \
      "$dir/package-lock.json" "$dir/node_modules/.package-lock.json" 2>/dev/null; then
    return 0
  fi
  echo "install-deps: npm ci in tests/browser"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#DEBIAN_PACKAGES[@]} Debian packages are installed"
  install_npm_packages
  exit 0
fi

sudo=()
if [[ "$(id -u)" -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: missing ${missing[*]}; run this script as root (no sudo here)" >&2
    exit 1
  fi
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
install_npm_packages
