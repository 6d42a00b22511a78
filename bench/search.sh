#!/usr/bin/env bash
# Search benchmark: 10,000 listings, GET /v1/listings on loopback with wrk, beside a ceiling
# measured in the same run (bench_ceiling: a minimal evhttp server answering the same bytes).
#
# usage: bench/search.sh [LISTINGS] [SECONDS] [CONNECTIONS]     (defaults 10000 10 32)
# Prints a Markdown table; docs/BENCHMARKS.md records the figures and this command.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
count=${1:-10000}
seconds=${2:-10}
connections=${3:-32}
threads=$(nproc)
build="$root/build-bench"
work=$(mktemp -d /tmp/mutua-bench-XXXXXX)
mutuad_pid=""
ceiling_pid=""
cleanup() {
  [[ -n "$mutuad_pid" ]] && kill "$mutuad_pid" 2>/dev/null || true
  [[ -n "$ceiling_pid" ]] && kill "$ceiling_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "bench: wrk is needed (apt-get install wrk)"; exit 1; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMUTUA_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target mutuad bench_ceiling -j "$threads" >/dev/null

admin_email=admin@bench.test
admin_password=bench-password-123
MUTUA_ADMIN_EMAIL=$admin_email MUTUA_ADMIN_PASSWORD=$admin_password \
  "$build/server/mutuad" --listen 127.0.0.1:0 --data-dir "$work/data" --port-file "$work/port" \
  --threads "$threads" --log-level warn >"$work/mutuad.out" 2>"$work/mutuad.err" &
mutuad_pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.1; done
port=$(cat "$work/port")
base="http://127.0.0.1:$port"

json() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
post() { curl -sf -X POST "$base$1" -H "Content-Type: application/json" ${3:+-H "Authorization: Bearer $3"} -d "$2"; }

admin=$(post /v1/auth/login "{\"email\":\"$admin_email\",\"password\":\"$admin_password\"}" | json "['token']")
network=$(post /v1/networks '{"slug":"bench","name":"Réseau de test"}' "$admin" | json "['id']")
member=$(post /v1/auth/signup "{\"email\":\"owner@bench.test\",\"password\":\"owner-password-123\",\"name\":\"Owner\",\"member\":{\"name\":\"Ressourcerie du banc d'essai\",\"kind\":\"association\",\"territory\":{\"departement\":\"59\",\"commune\":\"Lille\"},\"networks\":[\"$network\"]}}" | json "['member']['id']")
post "/v1/admin/members/$member/approve" '' "$admin" >/dev/null

/usr/bin/python3 "$root/bench/seed_listings.py" "$member" "$count" >"$work/listings.csv"
# One import takes at most 5000 rows: send the seed in chunks, each with the header row.
head -n 1 "$work/listings.csv" >"$work/header.csv"
tail -n +2 "$work/listings.csv" | split -l 5000 - "$work/chunk-"
imported=0
for chunk in "$work"/chunk-*; do
  cat "$work/header.csv" "$chunk" >"$chunk.csv"
  n=$(curl -s -X POST "$base/v1/admin/import/listings" -H "Authorization: Bearer $admin" \
    -H "Content-Type: text/csv" --data-binary "@$chunk.csv" | tee "$work/import.out" | json "['imported']") || { cat "$work/import.out" >&2; exit 1; }
  imported=$((imported + n))
done
echo "imported $imported listings" >&2

# The queries: text with accents folded away, a filtered recency listing, and a detail page.
declare -A urls=(
  [search_text]="/v1/listings?q=velo%20cargo&limit=20"
  [search_filtered]="/v1/listings?kind=good&departement=59&sort=recent&limit=20"
)
ceiling_port=$((port + 1))
echo "| request | mutuad req/s | mutuad p50 | mutuad p99 | ceiling req/s | ceiling p99 | ratio |"
echo "|---|---|---|---|---|---|---|"
for name in search_text search_filtered; do
  url="${urls[$name]}"
  curl -sf "$base$url" -o "$work/$name.json"
  "$build/bench/bench_ceiling" "$ceiling_port" "$threads" "$work/$name.json" >/dev/null &
  ceiling_pid=$!
  sleep 0.3
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$base$url" >"$work/$name.mutuad"
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$ceiling_port$url" >"$work/$name.ceiling"
  kill "$ceiling_pid"; wait "$ceiling_pid" 2>/dev/null || true; ceiling_pid=""
  ceiling_port=$((ceiling_port + 1))
  /usr/bin/python3 - "$name" "$work/$name.mutuad" "$work/$name.ceiling" "$(stat -c %s "$work/$name.json")" <<'PY'
import re, sys
name, mutuad, ceiling, size = sys.argv[1:]
def read(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    lat = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", text))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if errors:
        sys.exit(f"{name}: {errors.group(1)} error responses")
    return rps, lat
m, ml = read(mutuad)
c, cl = read(ceiling)
print(f"| {name} ({size} B) | {m:,.0f} | {ml['50']} | {ml['99']} | {c:,.0f} | {cl['99']} | {m / c:.0%} |")
PY
done
