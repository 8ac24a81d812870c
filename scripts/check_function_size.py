#!/usr/bin/env python3
"""Lists C++ functions whose body is longer than N lines (DESIGN.md: functions under ~60).

A report, not a gate: it always exits 0 unless its arguments are wrong.

    python3 scripts/check_function_size.py            # threshold 60, the library and app folders
    python3 scripts/check_function_size.py -n 40 pipelines/screen_merge.cpp

The length of a function is counted as clang-tidy's readability-function-size counts
it (LineThreshold): the line of the body's closing brace minus the line of its
opening brace, so a one-line body is 0 and `{`, 60 lines, `}` is 61. The scan
matches braces after removing comments, string and character literals (raw strings
included); lambdas are counted within the function that holds them, except one
written at namespace scope (the body of PLMKIT_COMMAND), which is reported on its own.
It needs only the Python standard library. Its counts agree with clang-tidy's,
which reads the build's compile_commands.json (CMakeLists.txt exports it):

    clang-tidy -p build -checks='-*,readability-function-size' \
      -config="{CheckOptions: [{key: readability-function-size.LineThreshold, value: 60}]}" FILE.cpp
"""

import argparse
import os
import re
import sys

DEFAULT_DIRS = ["src", "tokenizers", "data", "models", "pipelines", "apps"]
EXTENSIONS = (".cpp", ".hpp", ".inc", ".h", ".cc")
CONTROL_WORDS = {"if", "for", "while", "switch", "catch", "return", "sizeof", "decltype"}


def strip_code(text):
    """Returns text with comments, string and char literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('"', i + 1) and not _ident_char_before(text, i):
            m = re.match(r'R"([^(\s]{0,16})\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i + m.end())
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + re.sub(r"[^\n]", " ", text[i + 2 : j]))
            i = j
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():  # digit separator: 1'000'000
                out.append(" ")
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * max(0, j - i - 2) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _ident_char_before(text, i):
    return i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")


def blank_preprocessor(code):
    """Blanks preprocessor lines (with their backslash continuations)."""
    lines = code.split("\n")
    cont = False
    for k, line in enumerate(lines):
        if cont or line.lstrip().startswith("#"):
            cont = line.rstrip().endswith("\\")
            lines[k] = " " * len(line)
    return "\n".join(lines)


def classify(header):
    """Kind of the brace that follows header: 'function', 'scope' or 'other'."""
    h = " ".join(header.split())
    if not h:
        return "other"
    if re.search(r"\bnamespace\b", h) or re.match(r'^extern\s*""', h):
        return "scope"
    if re.search(r"\b(class|struct|union|enum)\b", h) and "(" not in h:
        return "scope"
    if re.search(r"\]\s*(\([^()]*(\([^()]*\)[^()]*)*\))?\s*(mutable\s*)?(->[^{]*)?$", h):
        return "function"  # a lambda at namespace scope: PLMKIT_COMMAND(..., [](...) {
    if ")" not in h or "(" not in h:
        return "other"
    head = h[: h.index("(")]
    if "=" in head.replace("operator=", "").replace("==", ""):
        return "other"
    name = re.findall(r"[A-Za-z_~][\w:~]*\s*$", head)
    if not name or name[0].strip() in CONTROL_WORDS:
        return "other"
    return "function"


def function_name(header):
    h = " ".join(header.split())
    if "[" in h and "](" in h.replace("] (", "]("):
        macro = re.match(r"\s*(\w+)\s*\(", h)
        return (macro.group(1) + " lambda") if macro else "lambda"
    head = h[: h.index("(")] if "(" in h else h
    m = re.search(r"((?:[\w~]+\s*::\s*)*(?:operator\s*\S+|~?\w+))\s*$", head)
    return m.group(1).replace(" ", "") if m else head.strip()[-40:]


def scan(path):
    """Yields (name, first_line, body_lines) for every function defined in path."""
    with open(path, encoding="utf-8", errors="replace") as f:
        code = blank_preprocessor(strip_code(f.read()))
    match = {}
    stack = []
    for i, c in enumerate(code):
        if c == "{":
            stack.append(i)
        elif c == "}" and stack:
            match[stack.pop()] = i
    line_starts = [0] + [m.end() for m in re.finditer("\n", code)]

    def line_of(pos):
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    yield from _walk(code, 0, len(code), match, line_of)


def scope_prefix(header):
    """'Name::' for a class or struct header, '' for a namespace or anything else."""
    m = re.search(r"\b(?:class|struct|union)\s+(?:\[\[[^]]*\]\]\s*)?(\w+)", " ".join(header.split()))
    return m.group(1) + "::" if m else ""


def _walk(code, start, end, match, line_of, prefix=""):
    """Walks a namespace or class body, descending into scopes, reporting functions."""
    header_start = start
    i = start
    while i < end:
        c = code[i]
        if c in ";}":
            header_start = i + 1
        elif c == "{":
            close = match.get(i, end)
            kind = classify(code[header_start:i])
            if kind == "scope":
                inner = prefix + scope_prefix(code[header_start:i])
                yield from _walk(code, i + 1, close, match, line_of, inner)
            elif kind == "function":
                # A constructor's brace-initialised member (`: a_{1}, b_{2} {`) is not the body.
                after = code[close + 1 : close + 200].lstrip()
                if after[:1] in (",", "{"):
                    i = close + 1
                    continue
                header = code[header_start:i]
                first = header_start + len(header) - len(header.lstrip())
                yield prefix + function_name(header), line_of(first), line_of(close) - line_of(i)
            i = close + 1
            header_start = i
            continue
        i += 1


def source_files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
            continue
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(EXTENSIONS):
                    yield os.path.join(root, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--threshold", type=int, default=60, help="body lines (default 60)")
    ap.add_argument("--all", action="store_true", help="list every function, not only long ones")
    ap.add_argument("paths", nargs="*", help="files or folders (default: " + " ".join(DEFAULT_DIRS) + ")")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = args.paths or [os.path.join(root, d) for d in DEFAULT_DIRS]
    rows = []
    nfunctions = 0
    for path in source_files(paths):
        for name, line, lines in scan(path):
            nfunctions += 1
            if args.all or lines > args.threshold:
                rows.append((lines, os.path.relpath(path, root), line, name))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    for lines, path, line, name in rows:
        print(f"{lines:5d}  {path}:{line}  {name}")
    sys.stdout.flush()
    if not args.all:
        print(f"check_function_size: {len(rows)} of {nfunctions} functions longer than "
              f"{args.threshold} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
