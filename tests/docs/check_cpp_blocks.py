#!/usr/bin/env python3
"""Every ```cpp block of the README and of docs/ compiles and runs as written.

Writes each block to <out>/<file>_<n>.cpp, compiles it with the given compiler
command (the library's flags included), and runs it: it must exit with 0 within
60 s. Run by `make test-docs-code` (tests/docs/docs.mk).

    check_cpp_blocks.py <out dir> <compiler and flags...> -- <link flags...>
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```cpp\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def main(argv):
    out = pathlib.Path(argv[0])
    split = argv.index("--")
    compiler, link = argv[1:split], argv[split + 1:]
    out.mkdir(parents=True, exist_ok=True)
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    failures, count = [], 0
    for document in documents:
        name = document.relative_to(ROOT)
        text = document.read_text(encoding="utf-8")
        for n, match in enumerate(BLOCK.finditer(text), start=1):
            count += 1
            line = text.count("\n", 0, match.start()) + 1
            where = f"{name}:{line}"
            stem = re.sub(r"[^A-Za-z0-9]+", "_", str(name.with_suffix(""))) + f"_{n}"
            source = out / f"{stem}.cpp"
            program = out / stem
            source.write_text(match.group(1), encoding="utf-8")
            built = subprocess.run([*compiler, str(source), "-o", str(program), *link],
                                   capture_output=True, text=True)
            if built.returncode != 0:
                failures.append(f"{where}: does not compile:\n{built.stderr}")
                continue
            try:
                ran = subprocess.run([str(program)], capture_output=True, text=True, timeout=60)
            except subprocess.TimeoutExpired:
                failures.append(f"{where}: did not end within 60 s")
                continue
            if ran.returncode != 0:
                failures.append(f"{where}: exited with {ran.returncode}:\n{ran.stdout}{ran.stderr}")
                continue
            print(f"docs code: {where}: ok")
    for failure in failures:
        print(f"docs code: {failure}", file=sys.stderr)
    if failures or count == 0:
        print(f"docs code: {len(failures)} of {count} C++ blocks failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
