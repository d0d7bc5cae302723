"""Draws the benchmark figures of results.json as SVG line charts.

    python3 plot_results.py RESULTS_JSON OUT_DIR

Writes OUT_DIR/contention.svg (contention_items_per_s: items per second by the
number of producers, one line per implementation) and OUT_DIR/scaling.svg
(scaling.spawn_us_per_task and scaling.timer_us_per_task: microseconds per
task by the number of tasks). Standard library only. A results.json without
some of these keys (a partial or older run) still plots what it has and
prints what it skipped.
"""

import html
import json
import math
import os
import sys

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 80, 170, 40, 60
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]

CONTENTION_IMPLS = ["threaded_async", "condvar_threads", "boost_fiber"]
PRODUCERS = ["1", "2", "4", "8", "16"]
SCALING_KINDS = ["spawn_us_per_task", "timer_us_per_task"]
TASK_COUNTS = ["10000", "100000", "1000000"]


def nice_ceiling(value):
  """The smallest of 1, 2, 2.5 or 5 times a power of ten that is >= value."""
  if value <= 0:
    return 1.0
  power = 10.0 ** math.floor(math.log10(value))
  return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def number(value):
  return f"{value:g}" if value < 1e4 else f"{value:,.0f}"


def line_chart(title, x_title, y_title, x_labels, series, log_y=False):
  """An SVG line chart: x_labels evenly spaced, series = [(name, [value or None])]; the y
  axis from 0, or (log_y) in powers of ten, for series of different magnitudes."""
  plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
  values = [v for _, vs in series for v in vs if v is not None]
  x_at = lambda i: LEFT + plot_w * (i / (len(x_labels) - 1) if len(x_labels) > 1 else 0.5)
  if log_y:
    low = math.floor(math.log10(min(v for v in values if v > 0)))
    high = max(math.ceil(math.log10(max(values))), low + 1)
    ticks = [10.0 ** e for e in range(low, high + 1)]
    y_at = lambda v: TOP + plot_h * (high - math.log10(v)) / (high - low)
  else:
    top = nice_ceiling(max(values))
    ticks = [top * k / 5 for k in range(6)]
    y_at = lambda v: TOP + plot_h * (1 - v / top)
  out = [
      f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
      f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
      f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
      f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">'
      f'{html.escape(title)}</text>',
  ]
  for v in ticks:  # horizontal grid and y ticks
    y = y_at(v)
    out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" '
               f'stroke="#ddd"/>')
    out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{number(v)}</text>')
  for i, label in enumerate(x_labels):
    x = x_at(i)
    out.append(f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 5}" '
               f'stroke="black"/>')
    out.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">'
               f'{html.escape(label)}</text>')
  out.append(f'<polyline points="{LEFT},{TOP} {LEFT},{TOP + plot_h} {LEFT + plot_w},'
             f'{TOP + plot_h}" fill="none" stroke="black"/>')
  out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 16}" text-anchor="middle">'
             f'{html.escape(x_title)}</text>')
  out.append(f'<text transform="translate(18 {TOP + plot_h / 2}) rotate(-90)" '
             f'text-anchor="middle">{html.escape(y_title)}</text>')
  for n, (name, values) in enumerate(series):
    colour = COLOURS[n % len(COLOURS)]
    points = [(x_at(i), y_at(v)) for i, v in enumerate(values)
              if v is not None and (v > 0 or not log_y)]
    out.append(f'<g class="series" data-name="{html.escape(name)}">')
    out.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}" '
               f'fill="none" stroke="{colour}" stroke-width="2"/>')
    for x, y in points:
      out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
    legend_y = TOP + 10 + 22 * n
    legend_x = LEFT + plot_w + 16
    out.append(f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 24}" y2="{legend_y}" '
               f'stroke="{colour}" stroke-width="2"/>')
    out.append(f'<text x="{legend_x + 30}" y="{legend_y + 4}">{html.escape(name)}</text>')
    out.append("</g>")
  out.append("</svg>")
  return "\n".join(out) + "\n"


def collect(results, key, names, columns, scale, skipped):
  """[(name, [value or None per column])] of results[key][name][column] * scale; adds to
  skipped what is missing."""
  table = results.get(key)
  if not isinstance(table, dict):
    return []
  series = []
  for name in names:
    row = table.get(name) if isinstance(table.get(name), dict) else {}
    values = [row[c] * scale if isinstance(row.get(c), (int, float)) else None for c in columns]
    missing = [c for c, v in zip(columns, values) if v is None]
    if len(missing) == len(columns):
      skipped.append(f"{key}.{name} (no figures)")
      continue
    if missing:
      skipped.append(f"{key}.{name} at {', '.join(missing)}")
    series.append((name, values))
  return series


def plots(results):
  """{file name: SVG text} of what results has, and the list of what it skipped."""
  charts, skipped = {}, []
  contention = collect(results, "contention_items_per_s", CONTENTION_IMPLS, PRODUCERS, 1e-6,
                       skipped)
  if contention:
    charts["contention.svg"] = line_chart(
        "Under contention: items through two queues of 64",
        "producer threads (log scale)", "million items per second", PRODUCERS, contention)
  else:
    skipped.append("contention.svg (no contention_items_per_s figures)")
  scaling = collect(results, "scaling", SCALING_KINDS, TASK_COUNTS, 1.0, skipped)
  if scaling:
    charts["scaling.svg"] = line_chart("As work grows: cost per task", "tasks (log scale)",
                                       "microseconds per task (log scale)",
                                       ["10,000", "100,000", "1,000,000"], scaling, log_y=True)
  else:
    skipped.append("scaling.svg (no scaling figures)")
  return charts, skipped


def main():
  if len(sys.argv) != 3:
    sys.exit(f"usage: {sys.argv[0]} RESULTS_JSON OUT_DIR")
  with open(sys.argv[1], encoding="utf-8") as f:
    results = json.load(f)
  charts, skipped = plots(results)
  for name, svg in charts.items():
    path = os.path.join(sys.argv[2], name)
    with open(path, "w", encoding="utf-8") as f:
      f.write(svg)
    print(f"plot: wrote {path}")
  for what in skipped:
    print(f"plot: skipped {what}")


if __name__ == "__main__":
  main()
