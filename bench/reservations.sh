#!/usr/bin/env bash
# Reservation benchmark: how many reservations per second mutuad creates, durably (SQLite
# with synchronous=FULL, the default), beside the ceiling of this disk measured in the same
# run (bench_fsync_ceiling: 512-byte writes + fdatasync in a directory of the data disk).
#
# The ceiling is measured before the load (append and overwrite) and again right after it
# (append), since the disk of a shared virtual machine may change speed meanwhile.
#
# One owner member with LISTINGS goods (quantity 1, no buffer, no notice), BORROWERS borrower
# members (--max-active-reservations raised to its maximum, 1000, and no hourly limit:
# --reservations-per-hour 0), then wrk with
# bench/reservations.lua: every request asks for another (listing, day) pair, so none
# conflicts and every answer must be 201 (the run fails otherwise). Then, with strace when it
# can attach, the number of fsync/fdatasync calls per reservation over a short sequential run.
#
# usage: bench/reservations.sh [SECONDS] [CONNECTIONS] [LISTINGS] [BORROWERS] [LOOPS]
#                                            (defaults 10 32 2000 200, LOOPS = nproc: the
#                                             event-loop threads of mutuad, --threads)
# BENCH_MUTUAD_ARGS: more options for mutuad, e.g. "--write-batch-max 0" (no group commit).
# Prints a Markdown table; docs/BENCHMARKS.md records the figures and this command.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-10}
connections=${2:-32}
listings=${3:-2000}
borrowers=${4:-200}
threads=$(nproc)
loops=${5:-$threads}
build="$root/build-bench"
work=$(mktemp -d /tmp/mutua-bench-XXXXXX)
mutuad_pid=""
cleanup() {
  [[ -n "$mutuad_pid" ]] && kill "$mutuad_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "bench: wrk is needed (apt-get install wrk)"; exit 1; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMUTUA_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target mutuad bench_fsync_ceiling -j "$threads" >/dev/null

# The ceiling first, on the disk of the data directory, while nothing else runs.
mkdir -p "$work/data"
"$build/bench/bench_fsync_ceiling" "$work" 5 append | tail -n 1 >"$work/ceiling.append"
"$build/bench/bench_fsync_ceiling" "$work" 5 overwrite | tail -n 1 >"$work/ceiling.overwrite"

read -r -a extra_args <<<"${BENCH_MUTUAD_ARGS:-}"
admin_email=admin@bench.test
admin_password=bench-password-123
# Cheap password hashing: the set-up signs up hundreds of members; reservations hash nothing.
MUTUA_ADMIN_EMAIL=$admin_email MUTUA_ADMIN_PASSWORD=$admin_password \
  "$build/server/mutuad" --listen 127.0.0.1:0 --data-dir "$work/data" --port-file "$work/port" \
  --threads "$loops" --log-level warn --max-active-reservations 1000 --reservations-per-hour 0 \
  --password-opslimit 1 --password-memlimit-kib 8 "${extra_args[@]}" \
  >"$work/mutuad.out" 2>"$work/mutuad.err" &
mutuad_pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.1; done
port=$(cat "$work/port")
base="http://127.0.0.1:$port"

# Set-up through the public API (one keep-alive connection): network, owner, listings (CSV
# import), borrowers (sign-up, approval, sign-in). Writes tokens.txt and listings.txt.
/usr/bin/python3 - "$port" "$listings" "$borrowers" "$work" "$admin_email" "$admin_password" <<'PY'
import csv, http.client, io, json, sys
port, n_listings, n_borrowers, work, admin_email, admin_password = sys.argv[1:]
n_listings, n_borrowers = int(n_listings), int(n_borrowers)
conn = http.client.HTTPConnection("127.0.0.1", int(port))
def call(method, path, body=None, token=None, content_type="application/json", expect=(200, 201)):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if body is not None:
        headers["Content-Type"] = content_type
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status not in expect:
        sys.exit(f"{method} {path}: {resp.status} {data[:300]!r}")
    return json.loads(data) if data else None
def login(email, password):
    return call("POST", "/v1/auth/login", {"email": email, "password": password})["token"]
def signup(email, name, network):
    member = call("POST", "/v1/auth/signup", {
        "email": email, "password": "bench-password-123", "name": name,
        "member": {"name": name, "kind": "association",
                   "territory": {"departement": "59", "commune": "Lille"},
                   "networks": [network]}})["member"]["id"]
    call("POST", f"/v1/admin/members/{member}/approve", token=admin)
    return member, login(email, "bench-password-123")
admin = login(admin_email, admin_password)
network = call("POST", "/v1/networks", {"slug": "bench", "name": "Réseau de test"}, admin)["id"]
owner, owner_token = signup("owner@bench.test", "Ressourcerie du banc d'essai", network)
columns = ["owner_id", "kind", "title", "category", "visibility", "status", "quantity",
           "max_days", "min_notice_hours", "buffer_hours", "horizon_days"]
for first in range(0, n_listings, 5000):
    text = io.StringIO()
    out = csv.writer(text, delimiter=";", lineterminator="\r\n")
    out.writerow(columns)
    for i in range(first, min(first + 5000, n_listings)):
        out.writerow([owner, "good", f"Vélo cargo n°{i}", "velos-cargo", "networks", "published",
                      1, 7, 0, 0, 730])
    call("POST", "/v1/admin/import/listings", text.getvalue().encode(), admin, "text/csv")
ids, cursor = [], None
while True:
    page = call("GET", f"/v1/listings?owner={owner}&sort=recent&limit=100"
                + (f"&cursor={cursor}" if cursor else ""), token=owner_token)
    ids += [item["id"] for item in page["items"]]
    cursor = page["next_cursor"]
    if not cursor:
        break
assert len(ids) == n_listings, (len(ids), n_listings)
tokens = [signup(f"borrower{i}@bench.test", f"Association emprunteuse {i}", network)[1]
          for i in range(n_borrowers)]
open(f"{work}/listings.txt", "w").write("\n".join(ids) + "\n")
open(f"{work}/tokens.txt", "w").write("\n".join(tokens) + "\n")
print(f"set up: {n_listings} listings, {n_borrowers} borrowers", file=sys.stderr)
PY

# Slots start tomorrow at midnight UTC (whole days, well inside the 730-day horizon).
base_epoch=$(( ($(date -u +%s) / 86400 + 1) * 86400 ))
cpu_ticks() { awk '{print $14 + $15}' "/proc/$mutuad_pid/stat"; }
cpu_before=$(cpu_ticks)
wrk_threads=$(( connections < threads ? connections : threads ))
wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency -s "$root/bench/reservations.lua" \
  "$base" -- "$work/tokens.txt" "$work/listings.txt" "$wrk_threads" "$base_epoch" >"$work/wrk.out"
cpu_ms=$(( ($(cpu_ticks) - cpu_before) * 1000 / $(getconf CLK_TCK) ))
# The disk of a shared virtual machine changes speed: measure the ceiling again right after.
"$build/bench/bench_fsync_ceiling" "$work" 5 append | tail -n 1 >"$work/ceiling.after"

# The run leaves the outbox dispatcher a backlog (a notification per reservation, each marked
# by its own durable write): wait until it is drained (at most 5 minutes) so that its syncs
# are not counted below, and say how long it took.
backlog=$(/usr/bin/python3 - "$work/data/mutua.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
def pending():
    now_ms = int(time.time() * 1000)
    return db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'"
                      " AND next_attempt_at_ms <= ?", (now_ms,)).fetchone()[0]
start, first = time.monotonic(), pending()
while pending() and time.monotonic() - start < 300:
    time.sleep(0.2)
print(f"{first} message(s) pending after the run, drained in {time.monotonic() - start:.1f} s"
      if not pending() else f"{first} message(s) pending after the run, not drained in 300 s")
PY
)

# Durable writes per reservation: strace counts the syncs of a short sequential run (each
# request on its own, so the count is not blurred by concurrency).
syncs="n/a"
if command -v strace >/dev/null; then
  offset=$(( 700 * 86400 )) # far from the slots wrk used
  strace -f -c -e trace=fsync,fdatasync -o "$work/strace.out" -p "$mutuad_pid" 2>/dev/null &
  strace_pid=$!
  sleep 1
  if kill -0 "$strace_pid" 2>/dev/null; then
    count=100
    /usr/bin/python3 - "$port" "$work" "$base_epoch" "$offset" "$count" <<'PY'
import http.client, json, sys, time
port, work, base, offset, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
tokens = open(f"{work}/tokens.txt").read().split()
listings = open(f"{work}/listings.txt").read().split()
conn = http.client.HTTPConnection("127.0.0.1", int(port))
for i in range(count):
    start = base + offset + (i // len(listings)) * 86400
    body = json.dumps({"listing_id": listings[i % len(listings)],
                       "start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)),
                       "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + 86400))})
    conn.request("POST", "/v1/reservations", body=body,
                  headers={"Content-Type": "application/json",
                           "Authorization": "Bearer " + tokens[i % len(tokens)]})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 201:
        sys.exit(f"strace run: {resp.status}")
PY
    sleep 0.5
    kill -INT "$strace_pid" 2>/dev/null || true
    wait "$strace_pid" 2>/dev/null || true
    syncs=$(/usr/bin/python3 - "$work/strace.out" "$count" <<'PY'
import re, sys
calls = sum(int(m.group(1)) for m in re.finditer(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?f(?:data)?sync\s*$", open(sys.argv[1]).read(), re.M))
print(f"{calls / int(sys.argv[2]):.2f}")
PY
)
  else
    wait "$strace_pid" 2>/dev/null || true
  fi
fi

/usr/bin/python3 - "$work/wrk.out" "$work/ceiling.append" "$work/ceiling.overwrite" "$syncs" \
  "$cpu_ms" "$work/ceiling.after" "$backlog" <<'PY'
import re, sys
wrk_path, append_path, overwrite_path, syncs, cpu_ms, after_path, backlog = sys.argv[1:]
text = open(wrk_path).read()
if re.search(r"Non-2xx or 3xx responses: (\d+)", text):
    sys.exit("some reservations were refused:\n" + text)
created = re.search(r"created=(\d+) other=(\d+)", text)
if not created or int(created.group(2)) != 0:
    sys.exit("some reservations were not created:\n" + text)
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = dict(re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", text))
def ceiling(path):
    return dict(kv.split("=") for kv in open(path).read().split()[1:])
a, o, after = ceiling(append_path), ceiling(overwrite_path), ceiling(after_path)
print("| measure | value |")
print("|---|---|")
print(f"| reservations created (all 201) | {created.group(1)} |")
print(f"| reservations/s | {rps:,.0f} |")
print(f"| latency p50 / p90 / p99 | {lat['50']} / {lat['90']} / {lat['99']} |")
print(f"| mutuad CPU time per reservation (user + system) | "
      f"{int(cpu_ms) / int(created.group(1)):.2f} ms |")
print(f"| fsync/fdatasync calls per reservation (strace, sequential) | {syncs} |")
print(f"| outbox backlog left by the run (dispatcher) | {backlog} |")
print(f"| ceiling, append 512 B + fdatasync | {float(a['writes_per_s']):,.0f} writes/s "
      f"(p50 {a['p50_us']} µs, p99 {a['p99_us']} µs) |")
print(f"| ceiling, overwrite 512 B + fdatasync | {float(o['writes_per_s']):,.0f} writes/s "
      f"(p50 {o['p50_us']} µs, p99 {o['p99_us']} µs) |")
print(f"| ceiling, append, right after the run | {float(after['writes_per_s']):,.0f} writes/s "
      f"(p50 {after['p50_us']} µs, p99 {after['p99_us']} µs) |")
print(f"| reservations/s ÷ append ceiling (before) | {rps / float(a['writes_per_s']):.1%} |")
PY
