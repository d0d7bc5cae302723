#!/usr/bin/env python3
"""Doxygen's INPUT_FILTER for the public headers (docs/api/Doxyfile).

The headers document each declaration with a plain // comment above it, or
after it on the same line, as the house style has it. This turns those into
Doxygen comments (/// and ///<) and the file's opening comment into its
@file description, so that the headers stay as they are and Doxygen still
sees every comment (but a linter's NOLINT). Prints the filtered file on stdout.
"""
import re
import sys

OWN_LINE = re.compile(r"^(\s*)//(?!/)\s?(.*)$")
AFTER_CODE = re.compile(r"^(\s*\S.*?\S)(\s+)//(?!/)\s?(.*)$")
CLOSING = re.compile(r"^\s*[}\])]+;?\s*$")


def main(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out = []
    opening = True
    for line in lines:
        own = OWN_LINE.match(line)
        if opening:
            if own:
                out.append(("/// @file\n" if not out else "") + "/// " + own.group(2))
                continue
            opening = False
        after = AFTER_CODE.match(line)
        if own:
            out.append(f"{own.group(1)}/// {own.group(2)}")
        elif (after and '"' not in after.group(1) and not CLOSING.match(after.group(1))
              and not after.group(3).startswith("NOLINT")):
            out.append(f"{after.group(1)}{after.group(2)}///< {after.group(3)}")
        else:
            out.append(line)
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
