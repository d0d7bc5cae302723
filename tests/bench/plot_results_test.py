"""Runs plot_results.py on a small results.json with some keys missing and
checks that each SVG draws the series it has and that the script says what
it skipped (CTest: bench_plot).

    python3 plot_results_test.py
"""

import json
import os
import subprocess
import sys
import tempfile

SAMPLE = {
    "contention_items_per_s": {
        "threaded_async": {"1": 2.5e5, "2": 3e5, "4": 2.8e5, "8": 2e5, "16": 1.5e5},
        "condvar_threads": {"1": 2.4e5, "2": 3.7e5, "4": 3e5, "8": 2.9e5, "16": 2.6e5},
    },
    "scaling": {
        "spawn_us_per_task": {"10000": 0.4, "100000": 0.45, "1000000": 0.6},
        "timer_us_per_task": {"10000": 0.8, "100000": 1.2},
    },
}


def main():
  script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot_results.py")
  with tempfile.TemporaryDirectory() as out:
    results = os.path.join(out, "results.json")
    with open(results, "w", encoding="utf-8") as f:
      json.dump(SAMPLE, f)
    printed = subprocess.run([sys.executable, script, results, out], check=True,
                             capture_output=True, text=True).stdout
    expected = {  # file: (series, points)
        "contention.svg": (["threaded_async", "condvar_threads"], 10),
        "scaling.svg": (["spawn_us_per_task", "timer_us_per_task"], 5),
    }
    for name, (series, points) in expected.items():
      with open(os.path.join(out, name), encoding="utf-8") as f:
        svg = f.read()
      assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>"), name
      for s in series:
        assert f'data-name="{s}"' in svg, f"{name} lacks the series {s}"
      assert svg.count("<circle") == points, f"{name} does not draw {points} points"
    for note in ["skipped contention_items_per_s.boost_fiber (no figures)",
                 "skipped scaling.timer_us_per_task at 1000000"]:
      assert note in printed, f"the script did not print {note!r}:\n{printed}"
  print("plot_results: both plots drawn, the missing figures named")


if __name__ == "__main__":
  main()
