#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a while (default 30 s each), with ASan and
# UBSan, starting from the seed corpus. Usage: scripts/fuzz.sh [seconds per target]
# Any finding (crash, sanitizer report, leak, timeout, out of memory) makes it exit 1.
# scripts/test.sh runs it for 20 s per target; a longer run is `scripts/fuzz.sh 600`.
# New interesting inputs stay in build-fuzz/corpus/<name>; copy a crashing input into
# tests/fuzz/corpus/<name>/ once fixed, so that it is replayed by every test run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"

command -v clang >/dev/null || { echo "fuzz.sh: clang is needed (scripts/install-deps.sh installs it)"; exit 1; }
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DMUTUA_FUZZ=ON -DMUTUA_BUILD_TESTS=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=$(ls tests/fuzz/fuzz_*.c | xargs -n1 basename | sed 's/\.c$//' | grep -v '^fuzz_main$')
make -C build-fuzz -j"$(nproc)" $targets >/dev/null

# UBSan findings are only printed by default: make them findings.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for target in $targets; do
  name="${target#fuzz_}"
  corpus="build-fuzz/corpus/$name"
  log="build-fuzz/fuzz-$name.log"
  mkdir -p "$corpus"
  echo "== fuzzing $name for ${seconds}s"
  if (cd build-fuzz && "tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 "corpus/$name" "../tests/fuzz/corpus/$name") \
        >"$log" 2>&1; then
    grep -E '^Done|stat::number_of_executed_units|stat::new_units_added' "$log" || true
  else
    echo "!! $name failed; the crashing input is in build-fuzz/ (crash-*), the log in $log:"
    tail -n 40 "$log"
    status=1
  fi
done
exit "$status"
