#!/usr/bin/env bash
# Test of bench/run.sh's arguments only (no build, no benchmark): the profiles, --out, the
# refusals (exit status 2 and a message), --help.
set -uo pipefail
run=$1
failures=0
expect() { # expect STATUS PATTERN ARGS...
  local status=$1 pattern=$2 output code
  shift 2
  output=$(bash "$run" "$@" 2>&1)
  code=$?
  if [[ $code -ne $status || ! "$output" =~ $pattern ]]; then
    echo "FAIL: run.sh $* -> $code: $output (expected $status and /$pattern/)"
    failures=$((failures + 1))
  fi
}
expect 0 '^profile=full out=.*/docs/BENCHMARKS\.md args=$' --check-args
expect 0 '^profile=quick .*args=--quick$' --quick --check-args
expect 0 'out=/tmp/x\.md args=--mixed-rate 50 --keep$' --check-args --out /tmp/x.md --mixed-rate 50 --keep
expect 0 '^usage: bench/run\.sh \[--quick\]' --help
expect 2 'unknown argument: --soak' --soak 5 --check-args
expect 2 '--mixed-rate needs a positive whole number' --mixed-rate 0 --check-args
expect 2 '--mixed-rate needs a positive whole number' --mixed-rate fast --check-args
expect 2 '--out needs a file' --check-args --out
((failures == 0)) && echo "run.sh arguments: all checks passed"
exit $((failures > 0))
