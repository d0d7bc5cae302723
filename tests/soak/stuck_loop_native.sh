#!/usr/bin/env bash
# Soak: the native cookbook stuck-loop program, run again and again. Every run
# must print the seed's two lines with FORCE_STOPPED and exit 0.
#
#   tests/soak/stuck_loop_native.sh PROGRAM RUNS
set -uo pipefail
program=$1
runs=${2:-200}
expected=$'Event loop was stuck.\nRunner shutdown type: FORCE_STOPPED'
failed=0
SECONDS=0
for ((run = 1; run <= runs; ++run)); do
  output=$("$program" 2>/dev/null)
  status=$?
  if [[ $status -ne 0 || "$output" != "$expected" ]]; then
    ((++failed))
    echo "run $run: exit $status, printed: $output"
  fi
done
echo "native cookbook stuck-loop: $((runs - failed)) passed, $failed failed (${SECONDS} s)"
((failed == 0))
