#!/usr/bin/env bash
# Install test of libmutua-client (ctest "install/client_c"): `cmake --install` of the
# mutua-client component into a temporary prefix, then the examples (clients/c/examples) are
# built with their Makefile and with a plain cc line, both through pkg-config from that prefix
# only, linked against the installed shared library, and run: --help and usage errors, then
# against a real mutuad (demo data, on 127.0.0.1 port 0, stopped at the end) a sign-in and a
# search that finds the demo's cargo bikes, and a reservation of an unknown listing (404).
# It also checks that docs/integrators.md shows examples/search.c exactly.
#
# Usage: tests/install/client_c.sh SOURCE_DIR BUILD_DIR MUTUAD
set -euo pipefail

src=$1
build=$2
mutuad=$3
sanitize=${4:-} # compiler flags of a sanitizer build, else empty
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mutua-install-XXXXXX")
pid=""

cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "install/client_c: $*" >&2
  if [[ -f "$tmp/mutuad.log" ]]; then
    tail -n 30 "$tmp/mutuad.log" >&2
  fi
  exit 1
}

# 1. Install the client only.
cmake --install "$build" --prefix "$tmp/prefix" --component mutua-client >"$tmp/install.log" ||
  fail "cmake --install failed: $(cat "$tmp/install.log")"
[[ -f "$tmp/prefix/include/mutua/client.h" ]] || fail "the header is not installed"
[[ ! -e "$tmp/prefix/bin/mutuad" ]] || fail "the client component installed mutuad"
pc=$(find "$tmp/prefix" -name mutua-client.pc -print -quit)
[[ -n "$pc" ]] || fail "mutua-client.pc is not installed"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
libdir=$(readlink -f "$(pkg-config --variable=libdir mutua-client)")
[[ -e "$libdir/libmutua-client.so.0" && -e "$libdir/libmutua-client.a" ]] ||
  fail "the libraries are not in $libdir"
[[ "$(readlink -f "$libdir")" == "$(readlink -f "$tmp/prefix")"/* ]] ||
  fail "pkg-config's libdir $libdir is outside the prefix"

# 2. docs/integrators.md shows examples/search.c unchanged (the code block after its marker).
awk '/^<!-- examples\/search.c -->$/ { marker = 1; next }
     marker && /^```c$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$src/docs/integrators.md" >"$tmp/doc-search.c"
cmp -s "$tmp/doc-search.c" "$src/clients/c/examples/search.c" ||
  fail "docs/integrators.md does not show clients/c/examples/search.c as it is"

# 3. Build the examples: with their Makefile, and with the documented cc line.
cp -r "$src/clients/c/examples" "$tmp/examples"
make -s -C "$tmp/examples" CFLAGS="-O1 -Wall -Wextra -Werror $sanitize" LDFLAGS="$sanitize" \
  >"$tmp/make.log" 2>&1 ||
  fail "make of the examples failed: $(cat "$tmp/make.log")"
# shellcheck disable=SC2046,SC2086
cc -Wall -Wextra -Werror $sanitize -o "$tmp/search-cc" "$src/clients/c/examples/search.c" \
  $(pkg-config --cflags --libs mutua-client) || fail "cc of search.c failed"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
ldd "$tmp/examples/search" >"$tmp/ldd" 2>&1 || fail "ldd search: $(cat "$tmp/ldd")"
grep -q "$libdir/libmutua-client.so.0" "$tmp/ldd" ||
  fail "search does not use the installed library: $(cat "$tmp/ldd")"

# 4. Usage.
"$tmp/examples/search" --help >"$tmp/help" && grep -q "Usage: search" "$tmp/help" ||
  fail "search --help"
"$tmp/examples/reserve" --help >"$tmp/help" && grep -q "Usage: reserve" "$tmp/help" ||
  fail "reserve --help"
set +e
"$tmp/examples/search" 2>/dev/null
[[ $? -eq 2 ]] || fail "search without arguments must exit 2"
MUTUA_PASSWORD=x "$tmp/examples/search" https://127.0.0.1:1 a@b.example 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -q "invalid" "$tmp/err" || fail "search with an https URL must say invalid"
set -e

# 5. Against a real mutuad with the demo data.
mkdir -p "$tmp/data"
email="admin@mutua.test"
password="admin-password-123"
MUTUA_ADMIN_EMAIL=$email MUTUA_ADMIN_PASSWORD=$password \
  "$mutuad" --listen 127.0.0.1:0 --data-dir "$tmp/data" --port-file "$tmp/data/mutuad.port" \
  --threads 2 --password-opslimit 1 --password-memlimit-kib 8 --demo \
  >"$tmp/mutuad.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  [[ -s "$tmp/data/mutuad.port" ]] && break
  kill -0 "$pid" 2>/dev/null || fail "mutuad exited"
  sleep 0.1
done
[[ -s "$tmp/data/mutuad.port" ]] || fail "mutuad wrote no port"
port=$(tr -dc '0-9' <"$tmp/data/mutuad.port")
url="http://127.0.0.1:$port"

MUTUA_PASSWORD=$password "$tmp/examples/search" "$url" "$email" "velo cargo" >"$tmp/found" ||
  fail "search failed"
grep -q $'^lst_[^\t]*\tVélo cargo' "$tmp/found" || fail "search did not find the cargo bikes: $(cat "$tmp/found")"
MUTUA_PASSWORD=$password "$tmp/search-cc" "$url" "$email" "velo cargo" >"$tmp/found-cc" ||
  fail "the cc-built search failed"
cmp -s "$tmp/found" "$tmp/found-cc" || fail "the cc-built search printed something else"
set +e
MUTUA_PASSWORD=wrong-password "$tmp/examples/search" "$url" "$email" 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -q "http 401" "$tmp/err" || fail "a wrong password must fail with 401"
MUTUA_PASSWORD=$password "$tmp/examples/reserve" "$url" "$email" lst_AAAAAAAAAAAAAAAAAAAAAA \
  2030-06-12T09:00:00Z 2030-06-13T09:00:00Z 2>"$tmp/err"
[[ $? -eq 1 ]] && grep -q "http 404" "$tmp/err" || fail "reserving an unknown listing must say 404: $(cat "$tmp/err")"
set -e

kill "$pid"
wait "$pid" || fail "mutuad did not stop cleanly"
pid=""
echo "install/client_c: ok"
