#!/usr/bin/env bash
# Builds and tests everything, as CI does (.ci/run calls this and nothing else):
#   1. installs what is missing (scripts/install-deps.sh);
#   2. builds with -DMUTUA_WERROR=ON in build-test/ and runs ctest (unit and integration);
#   3. runs the lint tests (ctest label "lint": scripts/check-format.sh, check-banned.sh);
#   4. builds with -DMUTUA_SANITIZE=ON (AddressSanitizer + UBSan) in build-asan/ and runs
#      ctest again;
#   5. runs a representative subset of the integration tests with mutuad under valgrind
#      memcheck (scripts/valgrind.sh on build-test/; the whole integration suite under
#      valgrind takes too long for this script: run `scripts/valgrind.sh` for it).
#   6. builds the libFuzzer targets with clang in build-fuzz/ and runs each for
#      MUTUA_FUZZ_SECONDS (default 20) seconds (scripts/fuzz.sh); any finding fails.
# Every stage runs even when an earlier one failed (unless its build failed), so that one
# run reports everything; the exit status is 1 if any stage failed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)
failed=()

stage() { printf '\n==================== %s ====================\n' "$*"; }

# run_ctest BUILD_DIR CTEST_ARGS...: runs ctest and adds its counts to the totals.
passed_total=0
failed_total=0
ctest_log=$(mktemp)
trap 'rm -f "$ctest_log"' EXIT
run_ctest() {
  local dir=$1 status=0
  shift
  ctest --test-dir "$dir" --output-on-failure --no-tests=error "$@" 2>&1 | tee "$ctest_log" ||
    status=$?
  count_ctest
  return "$status"
}

# Adds the counts of the ctest summary in $ctest_log to the totals.
count_ctest() {
  local summary
  # "100% tests passed, 0 tests failed out of 12"
  summary=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$ctest_log" | tail -n 1 || true)
  if [[ -n "$summary" ]]; then
    read -r failed_n _ _ _ _ total_n <<<"$summary"
    passed_total=$((passed_total + total_n - failed_n))
    failed_total=$((failed_total + failed_n))
  fi
}

# build DIR CMAKE_ARGS...: configures and builds DIR; false on failure. Options are given
# explicitly so that a directory configured otherwise before is put right.
build() {
  local dir=$1
  shift
  cmake -S "$root" -B "$dir" "$@" && cmake --build "$dir" -j "$jobs"
}

# Sanitizer reports abort the program (so a test fails) and carry a stack trace.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# The integration tests run under valgrind in stage 5 (about 1.5 minutes on 2 cores): every kind
# of resource once (members, listings, reservations, bookings, credits, needs, messages) and
# hostile HTTP input.
valgrind_subset='^integration/(members|listings|reservations|bookings|credits|needs|messages|http)$|^integration-mongodb/(reservations|credits)$'

stage "1/6 dependencies"
"$root/scripts/install-deps.sh"

stage "2/6 build (-DMUTUA_WERROR=ON, build-test/) and tests"
if build "$root/build-test" -DMUTUA_BUILD_TESTS=ON -DMUTUA_WERROR=ON -DMUTUA_SANITIZE=OFF; then
  run_ctest "$root/build-test" -j2 -LE lint || failed+=("tests")

  stage "3/6 lint: format and banned functions"
  run_ctest "$root/build-test" -L lint || failed+=("lint")
else
  failed+=("build")
  stage "3/6 lint: format and banned functions (scripts, the build failed)"
  "$root/scripts/check-format.sh" "$root" || failed+=("lint/format")
  "$root/scripts/check-banned.sh" "$root" || failed+=("lint/banned")
fi

stage "4/6 sanitizer build (-DMUTUA_SANITIZE=ON, build-asan/) and tests"
# Warnings were already errors in stage 2; here only the sanitizers' findings count.
if build "$root/build-asan" -DMUTUA_BUILD_TESTS=ON -DMUTUA_SANITIZE=ON -DMUTUA_WERROR=OFF; then
  run_ctest "$root/build-asan" -j2 -LE lint || failed+=("sanitizer tests")
else
  failed+=("sanitizer build")
fi

stage "5/6 valgrind memcheck: $valgrind_subset"
if [[ " ${failed[*]} " != *" build "* ]]; then
  status=0
  MUTUA_VALGRIND_BUILD="$root/build-test" "$root/scripts/valgrind.sh" -R "$valgrind_subset" 2>&1 |
    tee "$ctest_log" || status=$?
  count_ctest
  ((status == 0)) || failed+=("valgrind")
else
  echo "skipped: the build failed"
fi

stage "6/6 fuzzing: every libFuzzer target for ${MUTUA_FUZZ_SECONDS:-20} s (build-fuzz/)"
"$root/scripts/fuzz.sh" "${MUTUA_FUZZ_SECONDS:-20}" || failed+=("fuzzing")

stage "summary"
if ((${#failed[@]} > 0)); then
  echo "FAILED stages: ${failed[*]}"
else
  echo "all stages passed"
fi
# One closing line over every ctest run above.
echo "ctest: ${passed_total} passed, ${failed_total} failed"
((${#failed[@]} == 0))
