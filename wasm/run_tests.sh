#!/usr/bin/env bash
# Runs the Catch2 suite built for wasm under Node, without the tests tagged
# [native-only], and prints how many test cases ran next to the native count;
# then the Asio bridge's tests without [native-only] (timers and posted work;
# sockets are native-only) where the build has them, and the backend's own
# tests (wasm/backend_test.cpp). Fails if a test fails or if fewer than 90% of
# the native test cases ran.
#   wasm/run_tests.sh <wasm build dir> <native build dir>
set -euo pipefail
wasm_build=$1
native_build=$2
node=(node --no-experimental-fetch)
tests_js=$wasm_build/tests/threaded_async_tests.js
native_tests=$native_build/tests/threaded_async_tests

# Catch2 v2 exits with the number of test cases it listed.
list_cases() { "$@" --list-test-names-only || true; }
count_cases() { grep -c . || true; }

if [[ -x $native_tests ]]; then
  native_total=$(list_cases "$native_tests" | count_cases)
else
  # The same sources: count every test case of the wasm binary instead.
  native_total=$(list_cases "${node[@]}" "$tests_js" | count_cases)
fi
selected=$(list_cases "${node[@]}" "$tests_js" '~[native-only]' | count_cases)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
timeout 1200 "${node[@]}" "$tests_js" '~[native-only]' --use-colour no 2>&1 | tee "$log" ||
  status=$?
summary=$(grep -E "^(All tests passed|test cases:)" "$log" | tail -1 || true)
ran=$(sed -nE 's/.* in ([0-9]+) test cases?\).*/\1/p; s/^test cases: *([0-9]+).*/\1/p' <<<"$summary")
ran=${ran:-0}
echo "wasm: ran $ran test cases under Node (of $selected without [native-only]);" \
  "the native suite has $native_total ($((100 * ran / (native_total > 0 ? native_total : 1)))%)"
asio_status=0
asio_js=$wasm_build/tests/threaded_async_asio_tests.js
if [[ -f $asio_js ]]; then
  timeout 300 "${node[@]}" "$asio_js" '~[native-only]' --use-colour no || asio_status=$?
fi
backend_status=0
timeout 300 "${node[@]}" "$wasm_build/wasm/threaded_async_wasm_tests.js" || backend_status=$?
if ((status != 0 || asio_status != 0 || backend_status != 0)); then
  echo "wasm: the test run failed (exit status $status, Asio bridge tests $asio_status," \
    "backend tests $backend_status)" >&2
  exit 1
fi
if ((ran * 10 < native_total * 9)); then
  echo "wasm: fewer than 90% of the native test cases ran" >&2
  exit 1
fi
