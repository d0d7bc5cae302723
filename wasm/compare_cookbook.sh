#!/usr/bin/env bash
# Runs each cookbook program natively and under Node and compares what they
# print on stdout; the stuck-loop program must also report on stderr.
#   wasm/compare_cookbook.sh <wasm build dir> <native build dir> <slug>...
set -euo pipefail
wasm_build=$1
native_build=$2
shift 2
node=(node --no-experimental-fetch)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for slug in "$@"; do
  name=cookbook_${slug//-/_}
  [[ -f native/examples/${slug//-/_}.cpp ]] || continue
  native=$native_build/native/examples/$name
  js=$wasm_build/native/examples/$name.js
  if [[ ! -x $native || ! -f $js ]]; then
    echo "== $slug: missing $native or $js" >&2
    failed=1
    continue
  fi
  "$native" > "$tmp/native.out" 2> /dev/null
  timeout 60 "${node[@]}" "$js" > "$tmp/wasm.out" 2> "$tmp/wasm.err"
  if ! diff -u --label native "$tmp/native.out" --label wasm "$tmp/wasm.out"; then
    echo "== $slug: wasm output differs from native" >&2
    failed=1
  elif [[ $slug == stuck-loop && ! -s $tmp/wasm.err ]]; then
    echo "== $slug: wasm printed nothing on stderr about the stuck loop" >&2
    failed=1
  else
    echo "== $slug: wasm prints what native prints ($(wc -l < "$tmp/wasm.out") lines)"
  fi
done
exit $failed
