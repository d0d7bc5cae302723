#!/usr/bin/env bash
# Fails on every warning in Doxygen's log (docs/api/Doxyfile), except that a
# name that is not documented is let pass in the files that
# docs/api/undocumented.txt lists.
#
#   check_warnings.sh <warnings.log> <undocumented.txt>
set -euo pipefail
log=$1 allowed=$2
pending=$({ grep -v '^#' "$allowed" || true; } | sed '/^$/d' | sed 's/[.]/\\./g' | paste -sd '|')
warnings=$(grep -E ': (warning|error): ' "$log" |
  grep -vE "/threaded_async/($pending):[0-9]+: (warning|error): .* is not documented\.$" || true)
if [[ -n $warnings ]]; then
  echo "$warnings"
  echo "docs: $(wc -l <<< "$warnings") Doxygen warning(s) (every public name needs a comment)"
  exit 1
fi
