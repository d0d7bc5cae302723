#!/usr/bin/env bash
# Prints the raw and gzip (-9) size of the browser bundle: the ES module, its
# .wasm and the pthread worker script.
#   wasm/bundle_size.sh <path without extension>
set -euo pipefail
prefix=$1
total_raw=0
total_gz=0
printf '%-28s %10s %10s\n' file raw gzip
for file in "$prefix.mjs" "$prefix.wasm" "$prefix.worker.js"; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  total_raw=$((total_raw + raw))
  total_gz=$((total_gz + gz))
  printf '%-28s %10d %10d\n' "$(basename "$file")" "$raw" "$gz"
done
printf '%-28s %10d %10d\n' total "$total_raw" "$total_gz"
