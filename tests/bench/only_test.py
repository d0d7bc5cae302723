"""Runs the suite with --only METRIC/IMPL,IMPL at smoke sizes and checks that
results.json has the figures of those implementations and no other's
(CTest: bench_only).

    python3 only_test.py path/to/threaded_async_bench
"""

import json
import os
import subprocess
import sys
import tempfile


def main():
  bench = sys.argv[1]
  with tempfile.TemporaryDirectory() as out:
    results = os.path.join(out, "results.json")
    subprocess.run([bench, "--smoke", "--only",
                    "queue_pingpong_us/threaded_async,atomic_spin_threads", "--out", results],
                   check=True, stdout=subprocess.DEVNULL)
    with open(results, encoding="utf-8") as f:
      figures = json.load(f)
  pingpong = figures.get("queue_pingpong_us", {})
  failures = []
  if sorted(pingpong) != ["atomic_spin_threads", "threaded_async"]:
    failures.append(f"queue_pingpong_us has {sorted(pingpong)}, not the two asked for")
  for other in ("task_roundtrip_us", "call_in_loop_us", "fiber_switch_ns", "spawn_per_s"):
    if other in figures:
      failures.append(f"{other} was measured, though --only asked for queue_pingpong_us")
  for value in pingpong.values():
    if not (isinstance(value, (int, float)) and value > 0):
      failures.append(f"a ping-pong figure is {value!r}, not a positive time")
  for failure in failures:
    print(failure)
  return 1 if failures else 0


if __name__ == "__main__":
  sys.exit(main())
