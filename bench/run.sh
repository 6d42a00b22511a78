#!/usr/bin/env bash
# The benchmark suite: one command, on loopback, for a bounded time, that builds mutuad and
# the ceilings (Release, in build-bench/), seeds fresh data directories and measures listing
# get, search on 10,000 listings, availability, reservation create (durable) and a mixed
# member workload, each beside its ceiling measured in the same run, RSS after warm-up and
# after a soak, and the start-up time with 100,000 listings. The figures replace the
# generated part of docs/BENCHMARKS.md (see bench/run.py for the details).
#
# usage: bench/run.sh [--quick] [--out FILE] [--mixed-rate N] [--keep] [--check-args]
#   (default)      full run, about 15 minutes on 2 vCPUs: 10 s per measurement, 10-minute soak
#   --quick        about 4 minutes: 3 s per measurement, 1-minute soak
#   --out FILE     where to write the figures (default docs/BENCHMARKS.md)
#   --mixed-rate N requests per second of the mixed workload (default 40)
#   --keep         keep the temporary data directories (their path is printed)
#   --check-args   parse the arguments, print what would run, and stop (no build, no load)
# Needs wrk (Debian: apt-get install wrk; scripts/install-deps.sh installs it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() { sed -n '9,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

quick=0
check=0
out="$root/docs/BENCHMARKS.md"
pass=()
while (($# > 0)); do
  case "$1" in
    --quick) quick=1; pass+=(--quick) ;;
    --keep) pass+=(--keep) ;;
    --check-args) check=1 ;;
    --out)
      (($# >= 2)) || { echo "bench/run.sh: --out needs a file" >&2; exit 2; }
      out=$2; shift ;;
    --mixed-rate)
      (($# >= 2)) && [[ "$2" =~ ^[1-9][0-9]{0,5}$ ]] || {
        echo "bench/run.sh: --mixed-rate needs a positive whole number" >&2; exit 2; }
      pass+=(--mixed-rate "$2"); shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

if ((check)); then
  echo "profile=$( ((quick)) && echo quick || echo full) out=$out args=${pass[*]:-}"
  exit 0
fi

command -v wrk >/dev/null || { echo "bench: wrk is needed (apt-get install wrk)" >&2; exit 1; }
build="$root/build-bench"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMUTUA_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target mutuad bench_ceiling bench_fsync_ceiling -j "$(nproc)" >/dev/null
exec /usr/bin/python3 "$root/bench/run.py" --build "$build" --out "$out" "${pass[@]}"
