"""Counts the calls from an Emscripten program's WebAssembly out to JavaScript.

    python3 js_calls.py PROGRAM.js [ARGS...]

Runs PROGRAM.js (with its .wasm and .worker.js beside it) under Node, every
import of its module wrapped in a counter, and prints what each thread called,
most called first. Emscripten's invoke_* imports, the trampolines through which
a call that may throw goes when the caller has a cleanup to run, are counted by
the function they call: by its name if the module has a name section (link with
--profiling-funcs), else by its index. The program's own output goes to stderr.

    python3 js_calls.py threaded_async_bench_wasm.js --pingpong-only

prints, with the number of round trips the program made, how many calls of
each a round trip costs (docs/performance.md, "Fewer calls out to JavaScript").
Each worker sends its counts to the main thread every 1,000 calls, so the last
few hundred calls of each thread may be missing. Standard library only.
"""

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Put in front of the program: wraps the imports, and has each thread post its
# counts to the main thread, which prints them all as JSON when it exits.
COUNTER = r"""
var __jsCalls = (function() {
  var wt = require("worker_threads");
  var channel = new wt.BroadcastChannel("js_calls");
  var self = wt.isMainThread ? "main" : "worker-" + wt.threadId;
  var counts = {}, calls = 0, all = {};
  if (wt.isMainThread) {
    channel.onmessage = function(e) { all[e.data.thread] = e.data.counts; };
    process.on("exit", function() {
      all[self] = counts;
      require("fs").writeSync(1, "JS_CALLS " + JSON.stringify(all) + "\n");
    });
    channel.unref();
  }
  return function(imports) {
    var wrapped = {};
    Object.keys(imports).forEach(function(name) {
      var f = imports[name];
      if (typeof f != "function") { wrapped[name] = f; return; }
      var key = f.name || name;
      wrapped[name] = function() {
        var k = key;
        if (key.indexOf("invoke_") == 0) k = key + " " + wasmTable.get(arguments[0]).name;
        counts[k] = (counts[k] || 0) + 1;
        if (++calls % 1000 == 0 && !wt.isMainThread) {
          channel.postMessage({thread: self, counts: counts});
        }
        return f.apply(this, arguments);
      };
    });
    return wrapped;
  };
})();
"""

HOOK = 'var info={"a":asmLibraryArg};'


def leb128(data, pos):
  result = shift = 0
  while True:
    byte = data[pos]
    pos += 1
    result |= (byte & 0x7F) << shift
    shift += 7
    if byte < 0x80:
      return result, pos


def function_names(wasm):
  """Function index -> name, from the module's name section (empty if none)."""
  names = {}
  pos = 8
  while pos < len(wasm):
    section, pos = wasm[pos], pos + 1
    size, pos = leb128(wasm, pos)
    end = pos + size
    if section == 0:
      length, p = leb128(wasm, pos)
      if wasm[p:p + length] == b"name":
        p += length
        while p < end:
          kind, p = wasm[p], p + 1
          sub_size, p = leb128(wasm, p)
          if kind == 1:
            count, q = leb128(wasm, p)
            for _ in range(count):
              index, q = leb128(wasm, q)
              length, q = leb128(wasm, q)
              names[index] = wasm[q:q + length].decode("utf-8", "replace")
              q += length
          p += sub_size
    pos = end
  return names


def main(argv):
  if len(argv) < 2:
    sys.exit(__doc__)
  program = os.path.abspath(argv[1])
  base = program[:-len(".js")]
  source = open(program).read()
  if HOOK not in source:
    sys.exit("js_calls: %s has no %r: not an Emscripten 3.1 program?" % (program, HOOK))
  with open(base + ".wasm", "rb") as f:
    names = function_names(f.read())
  with tempfile.TemporaryDirectory() as tmp:
    for suffix in (".wasm", ".worker.js"):
      if os.path.exists(base + suffix):
        shutil.copy(base + suffix, os.path.join(tmp, os.path.basename(base) + suffix))
    patched = os.path.join(tmp, os.path.basename(program))
    with open(patched, "w") as f:
      f.write(COUNTER + source.replace(HOOK, 'var info={"a":__jsCalls(asmLibraryArg)};'))
    run = subprocess.run(["node", "--no-experimental-fetch", patched] + argv[2:],
                         stdout=subprocess.PIPE, text=True, check=False)
  counts, round_trips = None, None
  for line in run.stdout.splitlines():
    if line.startswith("JS_CALLS "):
      counts = json.loads(line[len("JS_CALLS "):])
    else:
      sys.stderr.write(line + "\n")
      match = re.match(r"round_trips (\d+)", line)
      if match:
        round_trips = int(match.group(1))
  if run.returncode != 0 or counts is None:
    sys.exit("js_calls: the program failed (exit status %d)" % run.returncode)

  def label(key):
    match = re.match(r"(invoke_\w+) (\d+)$", key)
    if match and int(match.group(2)) in names:
      return "%s -> %s" % (match.group(1), names[int(match.group(2))][:90])
    return key

  for thread, by_key in sorted(counts.items()):
    total = sum(by_key.values())
    if total < 1000:
      continue
    per = " (%.2f a round trip)" % (total / round_trips) if round_trips else ""
    print("%s: %d calls%s" % (thread, total, per))
    for key, n in collections.Counter(by_key).most_common(12):
      per = "  %6.2f" % (n / round_trips) if round_trips else ""
      print("  %10d%s  %s" % (n, per, label(key)))


if __name__ == "__main__":
  main(sys.argv)
