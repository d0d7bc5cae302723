#!/usr/bin/env bash
# Runs every scenario in a directory with the native CLI and compares what it
# prints with <slug>.expected.txt, line for line. Usage: run_scenarios.sh TA_SCENARIO DIR
set -uo pipefail
cli=$1
dir=$2
failed=0
count=0
for scenario in "$dir"/*.json; do
  slug=$(basename "$scenario" .json)
  expected="$dir/$slug.expected.txt"
  if [[ ! -f $expected ]]; then
    echo "FAIL $slug: no $slug.expected.txt beside it"
    failed=1
    continue
  fi
  count=$((count + 1))
  start=$EPOCHREALTIME
  actual=$(timeout 30 "$cli" "$scenario" 2> /tmp/ta_scenario_err.$$)
  status=$?
  seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  if [[ $status -ne 0 ]]; then
    echo "FAIL $slug: exit status $status: $(cat /tmp/ta_scenario_err.$$)"
    failed=1
  elif ! diff_out=$(diff <(printf '%s\n' "$actual") "$expected"); then
    echo "FAIL $slug: output differs (< actual, > expected)"
    echo "$diff_out"
    failed=1
  else
    printf 'ok   %-20s %s s\n' "$slug" "$seconds"
  fi
done
rm -f /tmp/ta_scenario_err.$$
if [[ $count -eq 0 ]]; then
  echo "FAIL: no scenarios in $dir"
  exit 1
fi
exit $failed
