#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build, run and test mutua.
#
# Only what is missing is installed: every package is first checked with dpkg-query, so a
# second run is fast and needs no network. apt-get runs as root, through sudo otherwise.
#
# The one list of packages is DEBIAN_PACKAGES below: add new needs there.
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
  strace   # disk faults injected in tests/integration/test_faults.c
  valgrind # scripts/valgrind.sh
  # Python test tools: Debian's modules, seen only by /usr/bin/python3
  python3
  python3-mongomock
  python3-pymongo
  python3-icalendar
)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#DEBIAN_PACKAGES[@]} Debian packages are installed"
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
